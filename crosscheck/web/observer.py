"""Observers: read-only progress of a campaign (no marking, no originals, no actions)."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..extensions import session
from ..models import Role
from ..services.campaigns.progress import school_rows
from ..services.distribution.console import expert_rows
from ..services.campaigns.overview import campaign_summaries
from ..services.scans.status import scan_status
from .access import roles_required
from .organiser import BATCH_LABELS, campaign_or_404

bp = Blueprint("observer", __name__, url_prefix="/observer/campaigns")


@bp.route("/<slug>/")
@roles_required(Role.OBSERVER, Role.ORGANISER)
def campaign(slug: str):
    c = campaign_or_404(slug)
    summary = next(s for s in campaign_summaries(session()) if s.campaign.id == c.id)
    return render_template("observer/campaign.html", campaign=c, summary=summary,
                           schools=school_rows(session(), c), experts=expert_rows(session(), c),
                           scan_status=scan_status(session(), c, papers=False), batch_labels=BATCH_LABELS)
