"""Controlled vocabularies from the domain (see docs/DATA-MODEL.md).

Each vocabulary maps a stable code (stored and sent over the API) to the plain-language
label people see. Codes never change once data exists; labels may. Labels are translated
lazily, in the language of the request that shows them (peerkit.i18n); codes never are.
"""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

ROLES = {
    "peer": _l("Peer volunteer"),
    "pharmacy": _l("Pharmacy staff"),
    "carrier": _l("Partner agency carrier"),
    "coordinator": _l("Service coordinator"),
    "commissioner": _l("Commissioner"),
    "admin": _l("Administrator"),
}

ORGANISATION_KINDS = {
    "commissioning_area": _l("Commissioning area"),
    "drug_service": _l("Drug service"),
    "pharmacy": _l("Pharmacy"),
    "peer_group": _l("Peer group"),
    "partner_agency": _l("Partner agency"),
}

RECIPIENT_CATEGORIES = {
    "person_at_risk": _l("Person at risk"),
    "family_friend_carer": _l("Family, friend or carer"),
    "worker": _l("Worker"),
    "member_of_public": _l("Member of the public"),
    "unknown": _l("Unknown"),
}

# The recipient's optional age band: enough to check a product's licensed minimum age and
# for commissioners' returns, never a date of birth.
AGE_BANDS = {
    "under_18": _l("Under 18"),
    "18_24": _l("18–24"),
    "25_34": _l("25–34"),
    "35_44": _l("35–44"),
    "45_54": _l("45–54"),
    "55_plus": _l("55 or over"),
}
# The youngest age in each band, to compare with a product's licensed minimum age. "Under
# 18" has no safe lower bound, so any product with a minimum age holds it for review.
AGE_BAND_YOUNGEST = {
    "under_18": 0,
    "18_24": 18,
    "25_34": 25,
    "35_44": 35,
    "45_54": 45,
    "55_plus": 55,
}

CHANNELS = {
    "peer": _l("Peer"),
    "drug_service": _l("Drug service"),
    "pharmacy": _l("Pharmacy"),
    "outreach": _l("Outreach"),
    "prison_release": _l("Prison release"),
    "hospital": _l("Hospital"),
    "ambulance": _l("Ambulance"),
    "police": _l("Police"),
    "mail": _l("Mail"),
}

PRODUCT_ROUTES = {
    "im": _l("Injection (into a muscle)"),
    "nasal": _l("Nasal spray"),
    "other": _l("Other"),
}

SUPPLY_TYPES = {"first": _l("First supply"), "repeat": _l("Repeat supply")}

# In the order a person is most likely to need them (the phone then puts its own most
# used first).
REPEAT_REASONS = {
    "used_on_someone_else": _l("Used on someone else"),
    "used_on_self": _l("Used on self"),
    "lost": _l("Lost"),
    "stolen": _l("Stolen"),
    "expired": _l("Out of date"),
    "damaged": _l("Damaged"),
    "confiscated": _l("Taken away (police, prison or staff)"),
    "unknown": _l("Not known"),
}

# Repeat reasons that mean the previous kit was used: the proxy for overdoses reversed.
USED_REPEAT_REASONS = ("used_on_self", "used_on_someone_else")

SITE_TYPES = {
    "drug_service": _l("Drug service"),
    "needle_syringe_programme": _l("Needle and syringe programme"),
    "community_pharmacy": _l("Community pharmacy"),
    "peer_group": _l("Peer group"),
    "outreach": _l("Outreach"),
    "prison": _l("Prison"),
    "police": _l("Police"),
    "probation": _l("Probation"),
    "hospital": _l("Hospital"),
    "ambulance": _l("Ambulance"),
    "homelessness_service": _l("Homelessness service"),
}

TRAINING_MODES = {"one_to_one": _l("One-to-one"), "group": _l("Group"), "remote": _l("Remote")}

TRAINING_KINDS = {
    "overdose_awareness": _l("Overdose awareness (people getting kits)"),
    "supplier_training": _l("Training someone to give out kits"),
    "train_the_trainer": _l("Training someone to train others"),
    "refresher": _l("Refresher"),
}

TRAINING_TOPICS = {
    "risk_times": _l("Overdose causes and risk times (prison release, detox, relapse)"),
    "signs_and_myths": _l("Signs of overdose and myths"),
    "call_999": _l("Calling 999"),
    "recovery_position": _l("Recovery position"),
    "cpr": _l("CPR"),
    "giving_naloxone": _l(
        "Giving naloxone: injection into the thigh or upper arm, another dose "
        "every 2–3 minutes; or nasal spray"
    ),
    "stay_with_person": _l("Naloxone wears off: stay with the person"),
}

SUPPLY_TRAINING = {
    "given": _l("Trained today"),
    "already_trained": _l("Trained before"),
    "declined": _l("Did not want training"),
}

CONSENT_METHODS = {"verbal": _l("Verbal"), "written": _l("Written")}

USE_PLACE_TYPES = {
    "own_home": _l("Own home"),
    "friends_home": _l("Friend's home"),
    "public_place": _l("Public place"),
    "hostel": _l("Hostel"),
    "other": _l("Other"),
}

USE_ADMINISTERED_BY = {
    "peer": _l("Peer volunteer"),
    "family_friend": _l("Family or friend"),
    "worker": _l("Worker"),
    "self": _l("The person themself"),
    "other": _l("Someone else"),
}

USE_OUTCOMES = {
    "survived": _l("Survived"),
    "unknown": _l("Not known"),
    "died": _l("Died"),
}

STOCK_MOVEMENT_KINDS = {
    "received": _l("Received from supplier"),
    "transferred": _l("Transferred"),
    "issued": _l("Issued to a recipient"),
    "expired": _l("Expired"),
    "destroyed": _l("Destroyed"),
    "returned": _l("Returned"),
    "recalled": _l("Recalled"),
    "damaged": _l("Damaged"),
    "lost": _l("Lost"),
    "stolen": _l("Stolen"),
}

ALERT_GRADINGS = {
    "red": _l("Red: immediate danger"),
    "amber": _l("Amber: caution"),
    "info": _l("Information"),
}

# Who a drug alert goes to: the issuing service's phones, or (with the commissioner's
# agreement recorded) every service, pharmacy and partner of the area.
ALERT_SCOPES = {
    "service": _l("Our service's phones"),
    "area": _l("Every service, pharmacy and partner in the area"),
}

# Where a naloxone given in an overdose came from.
NALOXONE_SOURCES = {
    "this_scheme": _l("A kit from this scheme"),
    "elsewhere": _l("From elsewhere"),
    "unknown": _l("Not known"),
}

# Kinds of place a service refers people to, and what came of a referral.
REFERRAL_KINDS = {
    "treatment": _l("Our treatment service"),
    "housing": _l("Housing"),
    "mental_health": _l("Mental health"),
    "gp": _l("GP"),
    "other": _l("Other"),
}
REFERRAL_OUTCOMES = {
    "attended": _l("Attended"),
    "declined": _l("Declined"),
    "not_known": _l("Not known"),
}

# A field report of a suspected bad batch, as a coordinator triages it.
FIELD_REPORT_STATUSES = {
    "new": _l("New"),
    "alerted": _l("Alert issued"),
    "dismissed": _l("Dismissed"),
}

# Where a phone-made record stands: counted in the figures, held for a coordinator, or
# rejected by one (peerkit.review).
REVIEW_STATUSES = {
    "counted": _l("counted"),
    "held": _l("held for review"),
    "rejected": _l("rejected"),
}

# Area is a postcode district ("M14", "SW1A") or this code when no fixed abode / unknown.
AREA_UNKNOWN = "UNKNOWN"

ALL = {
    "roles": ROLES,
    "organisation_kinds": ORGANISATION_KINDS,
    "recipient_categories": RECIPIENT_CATEGORIES,
    "age_bands": AGE_BANDS,
    "channels": CHANNELS,
    "product_routes": PRODUCT_ROUTES,
    "supply_types": SUPPLY_TYPES,
    "repeat_reasons": REPEAT_REASONS,
    "site_types": SITE_TYPES,
    "training_modes": TRAINING_MODES,
    "training_kinds": TRAINING_KINDS,
    "training_topics": TRAINING_TOPICS,
    "supply_training": SUPPLY_TRAINING,
    "consent_methods": CONSENT_METHODS,
    "use_place_types": USE_PLACE_TYPES,
    "use_administered_by": USE_ADMINISTERED_BY,
    "use_outcomes": USE_OUTCOMES,
    "stock_movement_kinds": STOCK_MOVEMENT_KINDS,
    "alert_gradings": ALERT_GRADINGS,
    "naloxone_sources": NALOXONE_SOURCES,
    "referral_kinds": REFERRAL_KINDS,
}


def labels_in_english() -> dict[str, dict[str, str]]:
    """Every vocabulary with its English labels as plain strings (the catalogues' message
    ids), whatever the request's language: what the API sends."""
    with force_locale("en_GB"):
        return {
            name: {code: str(label) for code, label in terms.items()} for name, terms in ALL.items()
        }
