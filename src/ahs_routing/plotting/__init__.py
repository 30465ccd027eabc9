"""Pictures of plans and studies, one module per picture: `route_map` (folium HTML), `gantt`,
`service_level` and `week` (matplotlib PNG); `style` holds the shared colours. They need the `plots` extra."""

from ahs_routing.plotting.gantt import gantt_chart, gantt_segments, save_gantt_chart
from ahs_routing.plotting.route_map import reach_polygon, route_map, save_route_map
from ahs_routing.plotting.service_level import save_service_level_curve, service_level_curve
from ahs_routing.plotting.style import staff_colours
from ahs_routing.plotting.week import save_week_calendar, week_calendar

__all__ = [
    "gantt_chart",
    "gantt_segments",
    "reach_polygon",
    "route_map",
    "save_gantt_chart",
    "save_route_map",
    "save_service_level_curve",
    "save_week_calendar",
    "service_level_curve",
    "staff_colours",
    "week_calendar",
]
