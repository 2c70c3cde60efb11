"""The project settings page `/project/<name>/settings`: the frame (page.py) and one builder
per section (reasons.py: fail reasons, policy.py: review policy). A section is a function
SettingsView -> card; a new one joins by adding its module and its callbacks module."""
