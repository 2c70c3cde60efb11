"""Every component id used by both components/ and callbacks/ (one place, no typos).

Plain strings for singletons; dict ids (built by the helpers below) for repeated
widgets, matched in callbacks with MATCH / ALL.
"""

# Shell
NAVBAR = "navbar"
ERROR_BANNER = "error-banner"
PAGE_ALERT = "page-alert"
URL = "url"
NAV_USER = "nav-user"

# Home (landing) page
HOME_REFRESH = "home-refresh"
HOME_BODY = "home-body"

# --- Overview page and project page (issue: overview) ---------------------------------

# --- Asset detail page (issue: detail) ------------------------------------------------
