"""Every projection by name, as ``vault rebuild VIEW`` and the projector know them."""

from projections.customer_search import CUSTOMER_SEARCH
from projections.profile_view import PROFILE_VIEW
from projections.rows import Projection

PROJECTIONS: dict[str, Projection] = {p.name: p for p in (PROFILE_VIEW, CUSTOMER_SEARCH)}
