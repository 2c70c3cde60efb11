"""View-model of the project settings page `/project/<name>/settings` (issues 14, 16, 17).

The page is made of sections (fail reasons, review policy, ...); each reads what it shows
from one SettingsView and writes through its own portal service (portal.review.reasons,
portal.review.ratings), which checks the admin role again. This module reads, and turns
what the page's form sends into what those services take; it writes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.auth import can, require
from portal.errors import InvalidInput, NotFound, Unsupported
from portal.review import completeness, ratings, reasons
from portal.store.sql.ratings import Policy

READ_ONLY = "Only admins change these settings."


@dataclass(frozen=True)
class LeadOption:
    """An account that may be made one of the project's leads."""

    name: str
    label: str


@dataclass(frozen=True)
class SettingsView:
    """Everything the settings page shows for one project."""

    project: str
    editable: bool  # the viewer is an admin: the sections show their forms
    reasons: tuple[str, ...]
    policy: Policy
    leads: tuple[LeadOption, ...] = ()  # the accounts offered as leads (admins only; empty otherwise)
    expected: str = ""  # the expected sessions: one sentence (portal.review.completeness.summary)


def empty_view(project: str = "") -> SettingsView:
    """The page with every form and nobody's data (Dash's shared validation layout)."""
    return SettingsView(project, True, (), Policy())


def keeps_settings(store) -> bool:
    """Whether the store has the portal's database beside it, where reasons are kept (the SQL
    store is that database; the DocDB store keeps a bookkeeping database in it)."""
    return getattr(store, "engine", None) is not None


def check_project(store, project: str) -> None:
    """Unsupported for a store with no place for project settings; NotFound for a project no
    asset belongs to."""
    if not keeps_settings(store):
        raise Unsupported("This asset store keeps no project settings: fail reasons and review policies live in "
                          "the portal's database, which this deployment does not give it.")
    if not project or not reasons.project_exists(store, project):
        raise NotFound(f"Project not found: {project}")


def settings_view(portal, user, project: str) -> SettingsView:
    """The settings of `project` as `user` may see them (Forbidden when they may not read the
    portal; NotFound / Unsupported as check_project says)."""
    require("view", user=user)
    check_project(portal.store, project)
    editable = can(user, "admin")
    leads = lead_options(portal.users.list()) if editable else ()
    return SettingsView(project, editable, tuple(reasons.project_reasons(portal.store, project)),
                        ratings.store_of(portal).policy(project), leads,
                        completeness.summary(completeness.completeness_of(portal.store, project)))


def lead_options(accounts) -> tuple[LeadOption, ...]:
    """Every account, labelled "Display Name (name) · role", by name."""
    return tuple(LeadOption(a.name, f"{a.display_name} ({a.name}) · {a.role}" if a.display_name != a.name
                            else f"{a.name} · {a.role}") for a in accounts)


def reasons_from_text(text: object) -> list[str]:
    """One reason per line of the form's text (blank lines left out; an emptied form sends
    None: no reasons); InvalidInput for anything but text (a forged request)."""
    if text is None:
        return []
    if not isinstance(text, str):
        raise InvalidInput("the reasons are text, one per line")
    return [line for line in text.splitlines() if line.strip()]


def reasons_text(saved) -> str:
    """The reasons as the form shows them: one per line."""
    return "\n".join(saved)


def policy_body(required, blind, fraction, leads) -> dict:
    """The policy form's values as the body ratings.check_policy reads (what it refuses, it names)."""
    return {"ratings_required": required, "blind": False if blind is None else blind,
            "repeat_fraction": fraction, "leads": [] if leads is None else leads}


def policy_summary(policy: Policy) -> str:
    """One sentence saying what the policy does."""
    needed = policy.ratings_required
    parts = ["one rating decides a metric" if needed == 1 else f"{needed} agreeing ratings decide a metric"]
    if needed > 1:
        parts.append("raters are blind to each other's open ratings" if policy.blind
                     else "raters see each other's ratings")
    if policy.repeat_fraction:
        parts.append(f"{round(100 * policy.repeat_fraction)}% of a queue are blinded repeats")
    parts.append("leads: " + ", ".join(policy.leads) if policy.leads else "no leads")
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def saved_reasons_message(saved) -> str:
    """What the page says once the reasons are saved."""
    n = len(saved)
    if not n:
        return "Saved: no fail reasons, so a Fail needs no reason in this project."
    return f"Saved {n} fail reason{'s' if n != 1 else ''}."
