"""Pictures of plans: route maps (folium HTML), staff Gantt charts and service-level curves (matplotlib PNG)."""

from ahs_routing.plotting.plots import (
    gantt_chart,
    gantt_segments,
    reach_polygon,
    route_map,
    save_gantt_chart,
    save_route_map,
    save_service_level_curve,
    service_level_curve,
    staff_colours,
)

__all__ = [
    "gantt_chart",
    "gantt_segments",
    "reach_polygon",
    "route_map",
    "save_gantt_chart",
    "save_route_map",
    "save_service_level_curve",
    "service_level_curve",
    "staff_colours",
]
