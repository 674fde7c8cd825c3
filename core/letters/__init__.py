"""Official letters: rendering the Département's templates to PDF/A.

The API for other features is in ``core.letters.service``.
"""


def includeme(config):
    from core.letters.branding import load_branding

    # Check the [letters] table at start-up, so that a missing logo or template folder
    # stops the service with a message instead of failing every letter.
    load_branding(config.registry["departement"])
