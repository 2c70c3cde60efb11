/* Cell renderers of the overview's asset grid (dash-ag-grid looks them up by name).
 *
 * Elements are built with React.createElement and plain strings (text nodes): no HTML
 * from the data ever reaches the page. Links are URL-encoded (asset names hold spaces
 * and '#') and navigate inside the Dash app like dcc.Link; a modified click (new tab)
 * is left to the browser. Status colours come from the server (components/status.py).
 */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

(function () {
    var SYMBOL = {Pass: '\u2713', Fail: '\u2717', Pending: '\u25cc', 'No QC': '\u2013', Unreadable: '?'};

    function navigate(event, href) {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
            event.shiftKey || event.altKey) {
            return;
        }
        event.preventDefault();
        window.history.pushState({}, '', href);
        // What dcc.Link does: Dash's page router listens for this event.
        window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
        window.scrollTo(0, 0);
    }

    function link(base, value, className) {
        if (value === undefined || value === null || value === '') {
            return null;
        }
        var text = String(value);
        var href = base + encodeURIComponent(text);
        return React.createElement('a', {
            href: href,
            className: className,
            title: text,
            onClick: function (event) { navigate(event, href); }
        }, text);
    }

    function pill(status, colors, label, title) {
        return React.createElement('span', {
            className: 'badge rounded-pill status-pill',
            style: {backgroundColor: (colors && colors[status]) || '#6c757d'},
            title: title || status,
            'data-status': status
        }, label || status);
    }

    dagcomponentfuncs.AssetLink = function (props) {
        return link(props.base, props.value, 'asset-link');
    };

    dagcomponentfuncs.ProjectLink = function (props) {
        return link(props.base, props.value, 'project-link');
    };

    dagcomponentfuncs.StatusPill = function (props) {
        return props.value ? pill(String(props.value), props.colors) : null;
    };

    dagcomponentfuncs.ModalityStatus = function (props) {
        var value = props.value;
        if (!value || typeof value !== 'object') {
            return null;
        }
        var pills = Object.keys(value).sort().map(function (modality) {
            var status = String(value[modality]);
            return React.createElement('span', {key: modality, className: 'me-1'},
                pill(status, props.colors, modality + ' ' + (SYMBOL[status] || ''), modality + ': ' + status));
        });
        return React.createElement('span', {className: 'modality-pills'}, pills);
    };
})();
