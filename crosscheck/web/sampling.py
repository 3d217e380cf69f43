"""«Выборка»: the organiser chooses the papers to re-check (SPEC §8, the page of `crosscheck sample`).

GET shows the form (N per school, the flagged schools whole or not, a seed filled in at
random); with ``preview=1`` it also shows the sample those rules give — per school: papers,
sampled, per class, flagged schools with their screening reasons — without writing anything.
POST fixes exactly the sample that was shown (its fingerprint travels with the form), after
an explicit confirmation; CSRF as everywhere. The service refuses, with the reason, a sample
once the distribution has begun.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import session
from ..models import Role
from ..services.audit.trail import Actor
from ..services.screening.sample import (MAX_SEED, SampleRefused, current_sample, draw, fix, new_seed,
                                         refusal_to_fix)
from .access import roles_required
from .organiser import campaign_or_404

bp = Blueprint("sampling", __name__, url_prefix="/organiser/campaigns")


def _rules(source) -> tuple[dict, list[str]]:
    """The form's rules (as typed, for re-display) and what is wrong with them."""
    errors = []
    text = source.get("per_school", "").strip()
    per_school = None
    if text:
        if text.isdigit() and 1 <= int(text) <= 100_000:
            per_school = int(text)
        else:
            errors.append("Работ от каждой ОО: целое число от 1")
    seed_text = source.get("seed", "").strip()
    seed = None
    if seed_text:
        if seed_text.isdigit() and int(seed_text) <= MAX_SEED:
            seed = int(seed_text)
        else:
            errors.append("Зерно: целое неотрицательное число")
    flagged = source.get("flagged") == "1"
    if per_school is None and not flagged and not errors:
        errors.append("Укажите, сколько работ взять от каждой ОО, и/или отметьте «все работы отмеченных скринингом ОО»")
    return {"per_school": per_school, "per_school_text": text, "flagged": flagged, "seed": seed,
            "seed_text": seed_text}, errors


@bp.route("/<slug>/sample")
@roles_required(Role.ORGANISER)
def sample_page(slug: str):
    c = campaign_or_404(slug)
    s = session()
    drawn, errors = None, []
    if request.args.get("preview") == "1":
        rules, errors = _rules(request.args)
        if not errors:
            try:
                drawn = draw(s, c, per_school=rules["per_school"], schools="flagged" if rules["flagged"] else None,
                             seed=rules["seed"])
            except SampleRefused as exc:
                errors.append(str(exc))
    else:
        rules = {"per_school": None, "per_school_text": "", "flagged": False, "seed": new_seed(), "seed_text": ""}
        rules["seed_text"] = str(rules["seed"])
    return render_template("sampling/sample.html", campaign=c, rules=rules, drawn=drawn, errors=errors,
                           current=current_sample(s, c), locked=refusal_to_fix(s, c))


@bp.route("/<slug>/sample", methods=["POST"])
@roles_required(Role.ORGANISER)
def fix_sample(slug: str):
    c = campaign_or_404(slug)
    s = session()
    rules, errors = _rules(request.form)
    back = url_for("sampling.sample_page", slug=slug, preview=1, per_school=rules["per_school_text"],
                   flagged="1" if rules["flagged"] else "", seed=rules["seed_text"])
    if rules["seed"] is None and not errors:
        errors.append("Зерно: покажите выборку ещё раз, прежде чем её фиксировать")
    if request.form.get("confirm") != "1" and not errors:
        errors.append("Подтвердите, что работы вне выборки перепроверяться не будут")
    if errors:
        for e in errors:
            flash(e, "error")
        return redirect(back)
    try:
        drawn = draw(s, c, per_school=rules["per_school"], schools="flagged" if rules["flagged"] else None,
                     seed=rules["seed"])
        fix(s, drawn, Actor(current_user), expected=request.form.get("fingerprint", ""))
    except SampleRefused as exc:
        s.rollback()
        flash(f"Выборка не зафиксирована: {exc}", "error")
        return redirect(back)
    s.commit()
    flash(f"Выборка зафиксирована: в выборке {drawn.sample.sampled} из {drawn.sample.papers} работ "
          f"({drawn.rules}). Обложки, сканы, распределение и отчёты — только по ней.", "info")
    return redirect(url_for("organiser.campaign", slug=slug))
