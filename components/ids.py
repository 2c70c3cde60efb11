"""Every component id used by both components/ and callbacks/ (one place, no typos)."""

# Shell
NAVBAR = "navbar"
ERROR_BANNER = "error-banner"
PAGE_ALERT = "page-alert"

# Home (landing) page
HOME_REFRESH = "home-refresh"
HOME_BODY = "home-body"
