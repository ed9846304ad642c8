"""Personal data: found by header and by content, masked in free text, pseudonymised
with a keyed HMAC. Pure rules (no database); the key file is read in `store`.

The loaders treat personal columns at load and the exports drop whatever still looks
personal, so both apply one policy written here.
"""

from geo.privacy.headers import is_identifier_header, is_personal_header, normalise
from geo.privacy.mask import Masked, mask_text
from geo.privacy.pseudonym import PREFIX, is_pseudonym, pseudonymise
from geo.privacy.values import Finding, id_check_digit, judge

__all__ = [
    "PREFIX",
    "Finding",
    "Masked",
    "id_check_digit",
    "is_identifier_header",
    "is_personal_header",
    "is_pseudonym",
    "judge",
    "mask_text",
    "normalise",
    "pseudonymise",
]
