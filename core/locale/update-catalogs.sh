#!/usr/bin/env bash
# Extract the user-visible texts of core/ (lingua), merge them into the French and
# English catalogs and compile the .mo files (Babel). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."

DOMAIN=departements_notaires
LOCALE=core/locale

# core/letters has its own domain (letters/locale): lingua cannot tell the domain of a
# Python _() call, so its files are left out here.
find core -path core/letters -prune -o \( -name '*.py' -o -name '*.pt' \) -print | sort > "$LOCALE/.sources"
pot-create --config "$LOCALE/lingua.cfg" --domain "$DOMAIN" \
    --package-name "Départements & Notaires" --output "$LOCALE/$DOMAIN.pot" --files-from "$LOCALE/.sources"
rm -f "$LOCALE/.sources"

for language in fr en; do
    catalog="$LOCALE/$language/LC_MESSAGES/$DOMAIN.po"
    if [ -f "$catalog" ]; then
        pybabel -q update --domain "$DOMAIN" --input-file "$LOCALE/$DOMAIN.pot" \
            --output-dir "$LOCALE" --locale "$language" --no-fuzzy-matching --ignore-obsolete
    else
        pybabel -q init --domain "$DOMAIN" --input-file "$LOCALE/$DOMAIN.pot" \
            --output-dir "$LOCALE" --locale "$language"
    fi
done

# French msgids are the French texts: the fr catalog has empty msgstr and falls back to them.
pybabel -q compile --domain "$DOMAIN" --directory "$LOCALE" --use-fuzzy --statistics
