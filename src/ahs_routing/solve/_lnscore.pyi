"""The compiled core of the group moves (csrc/lnscore/lnscore.cpp); used through `ahs_routing.solve.fastlns`."""

class Search:
    def __init__(
        self,
        n_places: int,
        travel: list[int],
        v_place: list[int],
        v_service: list[int],
        v_range_off: list[int],
        v_range_lo: list[int],
        v_range_hi: list[int],
        v_due: list[int],
        v_class: list[int],
        v_count: list[int],
        v_held: list[int],
        v_demand: list[float],
        v_allowed_off: list[int],
        v_allowed: list[int],
        v_partner: list[int],
        v_min_gap: list[int],
        v_max_gap: list[int],
        g_off: list[int],
        g_members: list[int],
        s_start: list[int],
        s_end: list[int],
        s_latest: list[int],
        s_from: list[int],
        s_to: list[int],
        s_max_travel: list[int],
        s_capacity: list[float],
        s_break_off: list[int],
        b_earliest: list[int],
        b_latest_end: list[int],
        b_duration: list[int],
        n_classes: int,
        overtime_weight: int,
        lateness_weight: int,
        seed: int,
        iterations: int,
        work_budget: int,
        /,
    ) -> None: ...
    def set_route(self, staff: int, visits: list[int], starts: list[int], break_starts: list[int], /) -> bool: ...
    def start(self) -> None: ...
    def run(self, max_iterations: int, patience: int, seconds: float, /) -> str: ...
    def best(self) -> list[tuple[int, list[int], list[int], list[int], list[int]]]: ...
    def best_price(self) -> int: ...
    def best_missing(self) -> list[int]: ...
    def iterations(self) -> int: ...
    def work(self) -> int: ...
    def new_bests(self) -> int: ...
    def since_best(self) -> int: ...
