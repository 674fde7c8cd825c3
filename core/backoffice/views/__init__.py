"""Back-office views, one module per page family."""


def flash(request, message) -> None:
    """Show ``message`` on the next page, translated now so that its ``${…}`` values are kept.

    The session stores plain strings, which would lose a TranslationString's mapping.
    """
    request.session.flash(request.localizer.translate(message), "info")
