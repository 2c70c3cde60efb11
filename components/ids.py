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

# --- Overview page and project page (issue: overview) ---------------------------------
OVERVIEW_URL = "overview-url"  # the page's own dcc.Location (refresh=False): the filters' source of truth
OVERVIEW_PROJECT = "overview-project"  # filter bar: dropdowns (multi)
OVERVIEW_MODALITY = "overview-modality"
OVERVIEW_SUBJECT = "overview-subject"
OVERVIEW_STATUS = "overview-status"  # filter bar: checklists
OVERVIEW_LEVEL = "overview-level"
OVERVIEW_DATES = "overview-dates"  # DatePickerRange: acquisition from / to
OVERVIEW_SEARCH = "overview-search"  # free text on the asset name
OVERVIEW_CLEAR = "overview-clear"  # clears every filter
OVERVIEW_CHIPS = "overview-chips"  # the filters without a widget (source, metric, pending), removable
OVERVIEW_NOTES = "overview-notes"  # what the URL held that was ignored, and why
OVERVIEW_BODY = "overview-body"  # the empty / no-match / no-QC / error message, when there is one
OVERVIEW_COUNTS = "overview-counts"  # the headline count cards
OVERVIEW_CHARTS = "overview-charts"  # the charts' wrapper (hidden when there is nothing to chart)
OVERVIEW_PROJECT_LINKS = "overview-project-links"  # links to the project summaries under the project chart
OVERVIEW_EXPORT = "overview-export"  # link to the CSV export of the filtered set
OVERVIEW_GRID = "overview-grid"  # dash-ag-grid, infinite row model
OVERVIEW_GRID_REFRESH = "overview-grid-refresh"  # dcc.Store: bumped when the grid must reload its rows
OVERVIEW_GRID_WRAP = "overview-grid-wrap"  # the grid card (hidden when nothing matches)
OVERVIEW_GRID_SORT = "overview-grid-sort"  # dcc.Store: the URL's sort (`-acquired`), applied to the grid in the browser
OVERVIEW_SORT_CHOSEN = "overview-sort-chosen"  # dcc.Store set by assets/overview.js: {"sort", "at"}, a header click
OVERVIEW_GRID_SETUP = "overview-grid-setup"  # dcc.Store written by the grid's clientside set-up (fits the asset column)
OVERVIEW_COLUMNS = "overview-columns"  # checklist of visible grid columns (persisted in the browser)
OVERVIEW_COLUMNS_TOGGLE = "overview-columns-toggle"  # the button opening that checklist
OVERVIEW_GROUP = "overview-group"  # switch: derived assets listed under their raw asset (URL group=raw)
OVERVIEW_CHART_PROJECT = "overview-chart-project"  # plotly graphs
OVERVIEW_CHART_MODALITY = "overview-chart-modality"
OVERVIEW_CHART_HEATMAP = "overview-chart-heatmap"
PROJECT_PAGE = "project-page"  # the project summary page's root (carries data-project)


def overview_count(status: str) -> dict:
    """A headline count card of the overview; clicking it filters by that status ("total": clears it)."""
    return {"type": "overview-count", "status": status}


def overview_chip(key: str) -> dict:
    """The remove button of one widget-less filter chip (URL key: source, metric, pending, <field>_contains)."""
    return {"type": "overview-chip", "key": key}


# --- Asset detail page (issue: detail) ------------------------------------------------
DETAIL_PAGE = "detail-page"  # the page's root (carries data-asset)
DETAIL_ASSET = "detail-asset"  # dcc.Store: {"id", "name", "version", "notes"} of the asset shown
DETAIL_EDITS = "detail-edits"  # dcc.Store in local storage: {asset id: unsaved edits}
DETAIL_REFRESH = "detail-refresh"  # dcc.Store: bumped after a submit -> navigator, cards, header re-read
DETAIL_HEADER_STATUS = "detail-header-status"
DETAIL_GROUPING = "detail-grouping"  # dropdown (multi): the grouping levels
DETAIL_FILTER = "detail-filter"  # radio: all / Pending / Fail
DETAIL_NAV = "detail-nav"  # the navigator tree
DETAIL_NAV_COUNTED = "detail-nav-counted"  # dcc.Store: the unsaved edits the navigator counts (a digest; None)
DETAIL_NODE = "detail-node"  # dcc.Store: the selected node's key
DETAIL_CARDS = "detail-cards"  # the selected node's metrics with their references
DETAIL_MORE = "detail-more"  # "show more metrics" button of a large node
DETAIL_LIMIT = "detail-limit"  # dcc.Store: how many metrics of the node are shown
DETAIL_URL_SYNC = "detail-url-sync"  # dcc.Store written by the clientside URL sync
DETAIL_NOTES = "detail-notes"  # the asset-level notes (textarea for annotators)
DETAIL_ALLOW_EDITS = "detail-allow-edits"  # switch: edit values that are already set
DETAIL_CHANGES = "detail-changes"  # the bar: change counter, preview and Submit (shown when something changed)
DETAIL_CHANGE_COUNT = "detail-change-count"
DETAIL_PREVIEW = "detail-preview"
DETAIL_SUBMIT = "detail-submit"
DETAIL_DISCARD = "detail-discard"
DETAIL_RESULT = "detail-result"  # the outcome of the last submit (saved / conflicts)
DETAIL_CONFLICTS = "detail-conflicts"  # dcc.Store: the conflicts of the last submit
# dcc.Store set by assets/curation.js: {"key", "data", "at"}, a curation an embedded GUI sent back
DETAIL_CURATION_IN = "detail-curation-in"

# --- Accounts and security (issue: auth) ------------------------------------------------
NAV_SIGN_OUT = "nav-sign-out"  # the navbar's sign-out button (a POST form to /logout)
NAV_AUDIT = "nav-audit"  # the navbar's link to the audit log (admins only)
AUDIT_PAGE = "audit-page"  # the audit log page's root
AUDIT_FILTER = "audit-filter"  # its filter form (a GET form: the filters live in the URL)
AUDIT_TABLE = "audit-table"  # the entries

# --- API tokens, batch annotation upload (issue: api) -----------------------------------
NAV_UPLOAD = "nav-upload"  # the navbar's link to /upload (annotators)
NAV_TOKENS = "nav-tokens"  # the navbar's link to /tokens (signed-in users)
TOKENS_PAGE = "tokens-page"  # the API tokens page's root
TOKENS_NAME = "tokens-name"  # what a new token is for
TOKENS_CREATE = "tokens-create"  # "Create token"
TOKENS_NEW = "tokens-new"  # the token just made, shown once
TOKENS_TABLE = "tokens-table"  # the user's tokens with last use and a revoke button each
UPLOAD_PAGE = "upload-page"  # the batch upload page's root
UPLOAD_FILE = "upload-file"  # dcc.Upload: the CSV / XLSX file
UPLOAD_PREVIEW = "upload-preview"  # the rows with their verdicts and the summary
UPLOAD_SUBMIT = "upload-submit"  # applies the valid rows
UPLOAD_JOB = "upload-job"  # dcc.Store: {"id": upload id} being applied
UPLOAD_TICK = "upload-tick"  # dcc.Interval: applies the next assets while an upload runs
UPLOAD_PROGRESS = "upload-progress"  # dbc.Progress of the running upload
UPLOAD_RESULT = "upload-result"  # what was applied and what was not
UPLOAD_RECENT = "upload-recent"  # recent uploads: who, when, counts
DETAIL_QC_JSON = "detail-qc-json"  # the asset page's "Download QC (JSON)" link

# --- Webhooks (issue 18: pipelines and operators) ----------------------------------------
NAV_WEBHOOKS = "nav-webhooks"  # the navbar's link to /admin/webhooks (admins only)
WEBHOOKS_PAGE = "webhooks-page"  # the webhooks page's root
WEBHOOKS_URL = "webhooks-url"  # the new webhook's URL
WEBHOOKS_EVENTS = "webhooks-events"  # checklist: the event types it receives
WEBHOOKS_ADD = "webhooks-add"  # "Add webhook"
WEBHOOKS_NEW = "webhooks-new"  # the signing key of the webhook just added (shown once), or why it was not
WEBHOOKS_LIST = "webhooks-list"  # the webhooks with their last delivery results
WEBHOOKS_TICK = "webhooks-tick"  # dcc.Interval: the results are read again while the page is open


def token_revoke(token_id: int) -> dict:
    """The revoke button of one API token."""
    return {"type": "token-revoke", "token": token_id}


class detail_ids:  # noqa: N801 - an All-in-One style id namespace, used as detail_ids.status(i)
    """Dict ids of the per-metric and per-viewer widgets (matched with MATCH / ALL)."""

    @staticmethod
    def nav_node(key: str) -> dict:
        """A navigator node (a button) by node key."""
        return {"type": "detail-nav-node", "node": key}

    @staticmethod
    def status(index: int) -> dict:
        """A metric's status control (Pass / Fail / Pending) by metric index."""
        return {"type": "detail-metric-status", "index": index}

    @staticmethod
    def value(index: int) -> dict:
        """A metric's editable value widget by metric index."""
        return {"type": "detail-metric-value", "index": index}

    @staticmethod
    def allow_edits(index: int) -> dict:
        """The "allow edits" link beside a value that is already set (turns the switch on)."""
        return {"type": "detail-metric-allow-edits", "index": index}

    @staticmethod
    def base(index: int) -> dict:
        """A dcc.Store with what the reviewer saw of the metric (edits are recorded against it)."""
        return {"type": "detail-metric-base", "index": index}

    @staticmethod
    def spec(key: str) -> dict:
        """A dcc.Store with a vega/plotly/JSON spec's URL and kind (a viewer fetches it)."""
        return {"type": "detail-spec", "key": key}

    @staticmethod
    def spec_graph(key: str) -> dict:
        """The dcc.Graph of a plotly spec viewer."""
        return {"type": "detail-spec-graph", "key": key}

    @staticmethod
    def spec_wrap(key: str) -> dict:
        """The box around a plotly spec's graph (hidden until the figure is loaded)."""
        return {"type": "detail-spec-graph-wrap", "key": key}

    @staticmethod
    def spec_vega(key: str) -> dict:
        """The element a vega spec is drawn into."""
        return {"type": "detail-spec-vega", "key": key}

    @staticmethod
    def spec_message(key: str) -> dict:
        """Where a spec viewer says why it could not draw."""
        return {"type": "detail-spec-message", "key": key}

    @staticmethod
    def conflict_keep(key: str, field: str) -> dict:
        """"Re-apply mine" of one conflict, by metric key ("" for the notes) and field."""
        return {"type": "detail-conflict-keep", "key": key, "field": field}

    @staticmethod
    def conflict_drop(key: str, field: str) -> dict:
        """"Drop mine" of one conflict, by metric key ("" for the notes) and field."""
        return {"type": "detail-conflict-drop", "key": key, "field": field}


def webhook_action(webhook_id: int, action: str) -> dict:
    """A webhook's button: `pause`, `resume`, `retry` (its failed deliveries) or `remove`."""
    return {"type": "webhook-action", "webhook": webhook_id, "action": action}


# --- QC in context (issue 16): "Why this status", metric distributions, the project page ---
WHY_PANEL = "why-panel"  # dbc.Offcanvas: why the clicked badge's status is what it is
WHY_SCOPE = "why-scope"  # dcc.Store: {"scope", "value"} of the badge explained
WHY_DATE = "why-date"  # text input (YYYY-MM-DD): the status as it was at the end of that day (UTC)
WHY_BODY = "why-body"  # the explanation: metrics that make it Fail / Pending, tolerated ones, changes


def why_button(scope: str, value: str = "") -> dict:
    """The "Why?" button beside a status badge: scope asset / modality / stage / cell / tag / node."""
    return {"type": "why", "scope": scope, "value": value}
CONTEXT_INFO = "context-info"  # dcc.Store: {"project", "asset"} the metric cards' distributions are read for
CONTEXT_PLOTS = "context-plots"  # dcc.Store: {metric index: plot or note} of the cards shown, drawn by detail.js
CONTEXT_DRAWN = "context-drawn"  # dcc.Store: the clientside drawing's output (Dash needs one; never set)


def context_spec(index: int) -> dict:
    """A numeric metric card's dcc.Store naming its metric (name, modality, stage): loads its distribution."""
    return {"type": "context-spec", "index": index}


def context_slot(index: int) -> dict:
    """Where a numeric metric card's distribution is drawn once loaded."""
    return {"type": "context-slot", "index": index}

# --- Review queue (/review; issue 14) ---------------------------------------------------
NAV_REVIEW = "nav-review"  # the navbar's "Review" link
REVIEW_PAGE = "review-page"  # the page's root (carries data-review-page: assets/review.js listens there only)
REVIEW_ITEM = "review-item"  # the item's container: re-rendered by each key press's callback
REVIEW_STATE = "review-state"  # dcc.Store: the item shown (asset, key, version, history seen, place, search)
REVIEW_SESSION = "review-session"  # dcc.Store in session storage: decisions (for undo) and items visited (k)
REVIEW_MOVE = "review-move"  # dcc.Store set by assets/review.js: {"action": next|prev|skip, "item", "at"}
REVIEW_DECIDE = "review-decide"  # dcc.Store set by assets/review.js: {"action": pass|fail|undo|confirm, ...}
REVIEW_HELP = "review-help"  # the keys overlay (toggled by `?`)
REVIEW_URL_SYNC = "review-url-sync"  # dcc.Store: output of the clientside history.replaceState

# --- Project settings (/project/<name>/settings; issues 14, 16, 17) ---
SETTINGS_PAGE = "settings-page"  # the page's root (carries data-project, data-editable)
SETTINGS_PROJECT = "settings-project"  # dcc.Store: the project's name, which the sections' saves write to
SETTINGS_LINK = "settings-link"  # the "Settings" link of the project page's header
SETTINGS_REASONS_TEXT = "settings-reasons-text"  # textarea: the fail reasons, one per line, in order
SETTINGS_REASONS_SAVE = "settings-reasons-save"
SETTINGS_REASONS_MESSAGE = "settings-reasons-message"  # saved / what is wrong, in place
SETTINGS_POLICY_REQUIRED = "settings-policy-required"  # radio items: 1, 2, 3 agreeing ratings per metric
SETTINGS_POLICY_BLIND = "settings-policy-blind"  # switch
SETTINGS_POLICY_REPEAT = "settings-policy-repeat"  # number input: repeat fraction, 0 to 0.5
SETTINGS_POLICY_LEADS = "settings-policy-leads"  # dropdown (multi): existing accounts
SETTINGS_POLICY_SAVE = "settings-policy-save"
SETTINGS_POLICY_MESSAGE = "settings-policy-message"  # saved / what is wrong, in place
SETTINGS_POLICY_SUMMARY = "settings-policy-summary"  # one sentence saying what the stored policy does
SETTINGS_EXPECTED_UPLOAD = "settings-expected-upload"  # dcc.Upload: a CSV/YAML of expected sessions
SETTINGS_EXPECTED_MESSAGE = "settings-expected-message"  # what was read / what is wrong, in place
SETTINGS_EXPECTED_SUMMARY = "settings-expected-summary"  # the current list: how many, how many present

# --- Assignments (/review/assignments; issue 14) ---
NAV_MY_REVIEWS = "nav-my-reviews"  # the navbar's "My reviews" link (data-open-count: open assignments, "" unknown)
ASSIGN_PAGE = "assign-page"  # the page's root
ASSIGN_NAME = "assign-name"  # the form's name input (admins)
ASSIGN_FILTERS = "assign-filters"  # the form's filters input: the overview's query string
ASSIGN_REVIEWERS = "assign-reviewers"  # the form's multi-select of reviewer accounts
ASSIGN_CREATE = "assign-create"  # the form's Create button
ASSIGN_MESSAGE = "assign-message"  # the form's result: the assignment made, or why not
ASSIGN_LIST = "assign-list"  # the assignments' cards (re-rendered after a create or close)


def assignment_close(assignment_id: int) -> dict:
    """An assignment card's Close button (admins)."""
    return {"type": "assignment-close", "assignment": assignment_id}

# --- A metric's timeline (issue 14) ---
TIMELINE_PAGE = "timeline-page"  # the page's root: data-asset, data-metric-key
TIMELINE_BACK = "timeline-back"  # the link back to the asset page, at the metric's node
TIMELINE_EVENTS = "timeline-events"  # the events, newest first (each carries data-kind)
TIMELINE_ORIGIN = "timeline-origin"  # the end of the list: where the audited history starts


def timeline_link(key: str) -> dict:
    """A metric card's "Timeline" link, by metric key (its href is set in the browser from the
    asset shown: assets/timeline.js)."""
    return {"type": "timeline-link", "key": key}

# --- Project page rebuilt (issue 16) ---
PROJECT_TREND_METRIC = "project-trend-metric"  # the trends' metric chooser (dcc.Dropdown)
PROJECT_TREND_BODY = "project-trend-body"  # the trend chart and its outliers: re-rendered by the chooser
PROJECT_TREND_PROJECT = "project-trend-project"  # dcc.Store: the project the trends are of

# --- Asset page: fail reasons and bulk Pass (issue 14) ---
DETAIL_REASONS_MISSING = "detail-reasons-missing"  # dcc.Store: keys of Fails a refused Submit found without reason
DETAIL_BULK_MODAL = "detail-bulk-modal"  # dbc.Modal: "Pass N Pending metrics in <node>?"
DETAIL_BULK_TEXT = "detail-bulk-text"  # the modal's body: the count, the node, the metrics
DETAIL_BULK_CONFIRM = "detail-bulk-confirm"  # the modal's "Pass N metrics" (submits one annotation)
DETAIL_BULK_CANCEL = "detail-bulk-cancel"
DETAIL_BULK_CHOSEN = "detail-bulk-chosen"  # dcc.Store: what the open modal would pass (node, version, metrics seen)
DETAIL_OVERALL_STATUS = "detail-overall-status"  # the asset's status badge beside its name (re-read after a submit)


class review_ids:  # noqa: N801 - an id namespace like detail_ids
    """Dict ids of the asset page's fail reason widgets (per metric card) and bulk Pass (per node)."""

    @staticmethod
    def reason(index: int) -> dict:
        """A metric's fail reason picker (shown with an unsaved Fail when the project lists reasons)."""
        return {"type": "detail-metric-reason", "index": index}

    @staticmethod
    def comment(index: int) -> dict:
        """A metric's optional comment beside its fail reason."""
        return {"type": "detail-metric-comment", "index": index}

    @staticmethod
    def reason_feedback(key: str) -> dict:
        """Where a metric's card says its Fail needs a reason (after a refused Submit), by metric key."""
        return {"type": "detail-metric-reason-feedback", "key": key}

    @staticmethod
    def bulk_open(node: str) -> dict:
        """The selected node's "Pass all Pending in this group" button, by node key."""
        return {"type": "detail-bulk-open", "node": node}

    @staticmethod
    def bulk_data(node: str) -> dict:
        """A dcc.Store with the node's Pending metrics as the panel showed them (key, name, history length)."""
        return {"type": "detail-bulk-data", "node": node}

    @staticmethod
    def bulk_hint(node: str) -> dict:
        """Why the bulk Pass button is disabled (unsaved changes), beside it."""
        return {"type": "detail-bulk-hint", "node": node}
