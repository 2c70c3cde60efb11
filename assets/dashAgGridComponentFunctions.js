/* Cell renderers of the overview's asset grid (dash-ag-grid looks them up by name).
 *
 * Elements are built with React.createElement and plain strings (text nodes): no HTML
 * from the data ever reaches the page. Links are URL-encoded (asset names hold spaces
 * and '#') and navigate inside the Dash app like dcc.Link; a modified click (new tab)
 * is left to the browser. Status colours come from the server (components/status.py).
 *
 * Asset names are cut at their start, not their end: a derived asset's name is its raw
 * asset's name plus a suffix (`_sorted_2025-06-19_...`), and that suffix is what tells
 * them apart (assets/overview.css, `.name-tail`).
 */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

(function () {
    var SYMBOL = {Pass: '\u2713', Fail: '\u2717', Pending: '\u25cc', 'No QC': '\u2013', Unreadable: '?'};
    var h = function () { return React.createElement.apply(React, arguments); };

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

    function anchor(href, className, title, children) {
        return h('a', {
            href: href,
            className: className,
            title: title,
            onClick: function (event) { navigate(event, href); }
        }, children);
    }

    function link(base, value, className) {
        if (value === undefined || value === null || value === '') {
            return null;
        }
        var text = String(value);
        return anchor(base + encodeURIComponent(text), className, text, text);
    }

    // A name shown from its end: the <bdi> keeps the text itself left-to-right inside the
    // right-to-left box that puts the ellipsis on the left.
    function tailLink(base, value, className) {
        if (value === undefined || value === null || value === '') {
            return null;
        }
        var text = String(value);
        return anchor(base + encodeURIComponent(text), className + ' name-tail', text, h('bdi', {dir: 'ltr'}, text));
    }

    function pill(status, colors, label, title) {
        return h('span', {
            key: label || status,
            className: 'badge rounded-pill status-pill',
            style: {backgroundColor: (colors && colors[status]) || '#6c757d'},
            title: title || status,
            'data-status': status
        }, label || status);
    }

    dagcomponentfuncs.AssetLink = function (props) {
        var data = props.data || {};
        var name = tailLink(props.base, props.value, 'asset-link');
        if (!data.under) {
            return name;
        }
        // Grouped under its raw asset (the row above): marked, and indented.
        return h('span', {className: 'asset-cell derived-under', 'data-under': data.under},
            h('span', {className: 'derived-mark', 'aria-hidden': 'true'}, '\u21b3'), name);
    };

    dagcomponentfuncs.ProjectLink = function (props) {
        return link(props.base, props.value, 'project-link');
    };

    dagcomponentfuncs.StatusPill = function (props) {
        return props.value ? pill(String(props.value), props.colors) : null;
    };

    // The server orders the modalities failing and pending first (portal/views/grid.py).
    // Those get a pill each; passing ones then share one "✓ N" pill (named in its
    // title), so a failing ecephys is never pushed out of the cell by passing behavior.
    dagcomponentfuncs.ModalityStatus = function (props) {
        var value = props.value;
        if (!value || typeof value !== 'object') {
            return null;
        }
        var names = Object.keys(value);
        var passing = names.filter(function (m) { return String(value[m]) === 'Pass'; });
        var shown = passing.length < names.length ? names.filter(function (m) { return passing.indexOf(m) < 0; })
            : names;
        var pills = shown.map(function (modality) {
            var status = String(value[modality]);
            return pill(status, props.colors, modality + ' ' + (SYMBOL[status] || ''), modality + ': ' + status);
        });
        if (shown.length < names.length) {
            pills.push(pill('Pass', props.colors, SYMBOL.Pass + ' ' + passing.length,
                            passing.join(', ') + ': Pass'));
        }
        var title = names.map(function (m) { return m + ': ' + value[m]; }).join('\n');
        return h('span', {className: 'modality-pills', title: title}, pills);
    };

    // Who set a status last, over when (UTC): two short lines fit where one long did not.
    dagcomponentfuncs.Review = function (props) {
        var data = props.data || {};
        if (!data.last_review_at) {
            return null;
        }
        return h('span', {className: 'review-cell', title: props.value || ''},
            h('span', {className: 'review-by'}, data.last_review_by || '?'),
            h('span', {className: 'review-at'}, data.last_review_at));
    };

    // A derived asset: its raw asset. A raw asset: a link to its derived assets, if any.
    dagcomponentfuncs.SourceCell = function (props) {
        var data = props.data || {};
        if (props.value) {
            return tailLink(props.base, props.value, 'asset-link source-link');
        }
        if (data.derived) {
            var href = props.overview + '?source=' + encodeURIComponent(String(data.name));
            var label = 'derived assets (' + data.derived + ')';
            return anchor(href, 'derived-link', 'The assets made from ' + data.name, label);
        }
        return null;
    };
})();
