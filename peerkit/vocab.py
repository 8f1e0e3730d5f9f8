"""Controlled vocabularies from the domain (see docs/DATA-MODEL.md).

Each vocabulary maps a stable code (stored and sent over the API) to the plain-language
label people see. Codes never change once data exists; labels may.
"""

ROLES = {
    "peer": "Peer volunteer",
    "pharmacy": "Pharmacy staff",
    "carrier": "Partner agency carrier",
    "coordinator": "Service coordinator",
    "commissioner": "Commissioner",
    "admin": "Administrator",
}

ORGANISATION_KINDS = {
    "commissioning_area": "Commissioning area",
    "drug_service": "Drug service",
    "pharmacy": "Pharmacy",
    "peer_group": "Peer group",
    "partner_agency": "Partner agency",
}

RECIPIENT_CATEGORIES = {
    "person_at_risk": "Person at risk",
    "family_friend_carer": "Family, friend or carer",
    "worker": "Worker",
    "member_of_public": "Member of the public",
    "unknown": "Unknown",
}

# The recipient's optional age band: enough to check a product's licensed minimum age and
# for commissioners' returns, never a date of birth.
AGE_BANDS = {
    "under_18": "Under 18",
    "18_24": "18–24",
    "25_34": "25–34",
    "35_44": "35–44",
    "45_54": "45–54",
    "55_plus": "55 or over",
}
# The youngest age in each band, to compare with a product's licensed minimum age. "Under
# 18" has no safe lower bound, so any product with a minimum age holds it for review.
AGE_BAND_YOUNGEST = {"under_18": 0, "18_24": 18, "25_34": 25, "35_44": 35, "45_54": 45,
                     "55_plus": 55}

CHANNELS = {
    "peer": "Peer",
    "drug_service": "Drug service",
    "pharmacy": "Pharmacy",
    "outreach": "Outreach",
    "prison_release": "Prison release",
    "hospital": "Hospital",
    "ambulance": "Ambulance",
    "police": "Police",
    "mail": "Mail",
}

PRODUCT_ROUTES = {"im": "Injection (into a muscle)", "nasal": "Nasal spray", "other": "Other"}

SUPPLY_TYPES = {"first": "First supply", "repeat": "Repeat supply"}

# In the order a person is most likely to need them (the phone then puts its own most
# used first).
REPEAT_REASONS = {
    "used_on_someone_else": "Used on someone else",
    "used_on_self": "Used on self",
    "lost": "Lost",
    "stolen": "Stolen",
    "expired": "Out of date",
    "damaged": "Damaged",
    "confiscated": "Taken away (police, prison or staff)",
    "unknown": "Not known",
}

# Repeat reasons that mean the previous kit was used: the proxy for overdoses reversed.
USED_REPEAT_REASONS = ("used_on_self", "used_on_someone_else")

SITE_TYPES = {
    "drug_service": "Drug service",
    "needle_syringe_programme": "Needle and syringe programme",
    "community_pharmacy": "Community pharmacy",
    "peer_group": "Peer group",
    "outreach": "Outreach",
    "prison": "Prison",
    "police": "Police",
    "probation": "Probation",
    "hospital": "Hospital",
    "ambulance": "Ambulance",
    "homelessness_service": "Homelessness service",
}

TRAINING_MODES = {"one_to_one": "One-to-one", "group": "Group", "remote": "Remote"}

TRAINING_KINDS = {
    "overdose_awareness": "Overdose awareness (people getting kits)",
    "supplier_training": "Training someone to give out kits",
    "train_the_trainer": "Training someone to train others",
    "refresher": "Refresher",
}

TRAINING_TOPICS = {
    "risk_times": "Overdose causes and risk times (prison release, detox, relapse)",
    "signs_and_myths": "Signs of overdose and myths",
    "call_999": "Calling 999",
    "recovery_position": "Recovery position",
    "cpr": "CPR",
    "giving_naloxone": "Giving naloxone: injection into the thigh or upper arm, another dose "
                       "every 2–3 minutes; or nasal spray",
    "stay_with_person": "Naloxone wears off: stay with the person",
}

SUPPLY_TRAINING = {
    "given": "Trained today",
    "already_trained": "Trained before",
    "declined": "Did not want training",
}

CONSENT_METHODS = {"verbal": "Verbal", "written": "Written"}

USE_PLACE_TYPES = {
    "own_home": "Own home",
    "friends_home": "Friend's home",
    "public_place": "Public place",
    "hostel": "Hostel",
    "other": "Other",
}

USE_ADMINISTERED_BY = {
    "peer": "Peer volunteer",
    "family_friend": "Family or friend",
    "worker": "Worker",
    "self": "The person themself",
    "other": "Someone else",
}

USE_OUTCOMES = {
    "survived": "Survived",
    "unknown": "Not known",
    "died": "Died",
}

STOCK_MOVEMENT_KINDS = {
    "received": "Received from supplier",
    "transferred": "Transferred",
    "issued": "Issued to a recipient",
    "expired": "Expired",
    "destroyed": "Destroyed",
    "returned": "Returned",
    "recalled": "Recalled",
    "damaged": "Damaged",
    "lost": "Lost",
    "stolen": "Stolen",
}

ALERT_GRADINGS = {"red": "Red: immediate danger", "amber": "Amber: caution", "info": "Information"}

# Who a drug alert goes to: the issuing service's phones, or (with the commissioner's
# agreement recorded) every service, pharmacy and partner of the area.
ALERT_SCOPES = {"service": "Our service's phones",
                "area": "Every service, pharmacy and partner in the area"}

# Where a naloxone given in an overdose came from.
NALOXONE_SOURCES = {"this_scheme": "A kit from this scheme", "elsewhere": "From elsewhere",
                    "unknown": "Not known"}

# Kinds of place a service refers people to, and what came of a referral.
REFERRAL_KINDS = {
    "treatment": "Our treatment service",
    "housing": "Housing",
    "mental_health": "Mental health",
    "gp": "GP",
    "other": "Other",
}
REFERRAL_OUTCOMES = {"attended": "Attended", "declined": "Declined", "not_known": "Not known"}

# A field report of a suspected bad batch, as a coordinator triages it.
FIELD_REPORT_STATUSES = {"new": "New", "alerted": "Alert issued", "dismissed": "Dismissed"}

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
