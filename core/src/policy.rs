//! The organisation's signed policy bundle: routekaart, overrides and active-code directives.
