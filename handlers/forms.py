"""Every form the bot shows, by id: platforms read submitted forms (and show them again with
errors) with these."""

from __future__ import annotations

from handlers.commitments import COMMIT_FORM
from handlers.contract.messages import Form
from handlers.practice import ANSWER_FORM
from handlers.practice_feedback import FEEDBACK_FORM
from handlers.session_form import SESSION_FORM
from handlers.terms_form import TERMS_FORM

KNOWN_FORMS: dict[str, Form] = {
    form.form_id: form for form in (TERMS_FORM, COMMIT_FORM, SESSION_FORM, ANSWER_FORM, FEEDBACK_FORM)
}


def first_field(form_id: str) -> str:
    """The name of the form's first field (where a whole-form error is shown), or "" if unknown."""
    form = KNOWN_FORMS.get(form_id)
    return form.fields[0].name if form and form.fields else ""
