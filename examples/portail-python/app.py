"""Portail d'exemple (Flask) qui intègre ProConnect, écrit d'après docs/contrat-portail.md ; chaque
partie cite les exigences (PSP-…) qu'elle remplit. Tout est en mémoire : un vrai portail garde
certifications, demandes et `jti` déjà vus dans sa base. Lancement : ./demarrer.sh (voir README.md)."""
import json
import logging
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode

import jwt  # PyJWT
from flask import Flask, jsonify, redirect, render_template_string, request, session

# --- Configuration (valeurs par défaut : le bac à sable sur ce poste) --------------------------------
PISTE_URL = os.environ.get("PISTE_URL", "http://localhost:7103").rstrip("/")
PROCONNECT_URL = os.environ.get("PROCONNECT_URL", "http://localhost:7100").rstrip("/")
# L'`iss` des événements : l'URL *publique* de ProConnect, comparée caractère pour caractère.
PROCONNECT_ISSUER = os.environ.get("PROCONNECT_ISSUER", PROCONNECT_URL)
CLIENT_ID = os.environ.get("PORTAIL_CLIENT_ID", "portail-python")
CLIENT_SECRET = os.environ.get("PORTAIL_CLIENT_SECRET", "portail-python-secret")
PUBLIC_URL = os.environ.get("PORTAIL_PUBLIC_URL", "http://localhost:8080").rstrip("/")
LISTEN = os.environ.get("PORTAIL_LISTEN", "127.0.0.1:8080")
SECRET_KEY = os.environ.get("PORTAIL_SECRET_KEY") or secrets.token_hex(32)

TOLERANCE_HORLOGE = 30    # secondes admises sur exp et iat (le contrat autorise au plus 60 : PSP-EVT-6)
JWKS_INTERVALLE_MIN = 5   # au plus une relecture du JWKS toutes les 5 s (PSP-CLE-3)
JWKS_DUREE_MAX = 3600     # et une relecture de fond au plus tard toutes les heures
TYP_EVENEMENT = "proconnect-event+jwt"

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("portail")

app = Flask(__name__)
app.config.update(
    SECRET_KEY=SECRET_KEY,
    # Un nom propre au portail : sur localhost les cookies ne dépendent pas du port (contrat, § 6) ;
    # le cookie « session » d'une autre application sur localhost écraserait le nôtre.
    SESSION_COOKIE_NAME="portail_python_session",
    SESSION_COOKIE_SAMESITE="Lax",
    SESSION_COOKIE_HTTPONLY=True,
    MAX_CONTENT_LENGTH=64 * 1024,  # un événement fait quelques centaines d'octets
)
app.json.ensure_ascii = False  # des réponses JSON lisibles, accents compris

# --- État du portail, en mémoire, sous un verrou (le serveur traite les requêtes en parallèle) --------
VERROU = threading.Lock()
CERTIFICATIONS = {}  # certification_id -> {siren, purpose, account_ref, state, outcome, revoked, events_applied}
DEMANDES = {}        # access_request_id -> {siren, email, given_name, family_name, state}
COLLABORATEURS = {}  # access_request_id -> compte du collaborateur, créé à l'acceptation (PSP-ACC-2)
CONTACTS = {}        # siren -> courriel de contact du dirigeant (contact_email.changed)
JTI_VUS = set()      # événements déjà appliqués (PSP-EVT-8) ; en base, à garder aussi longtemps que
                     # ProConnect peut réessayer (des jours), pas seulement jusqu'à `exp`.


# --- Appels HTTP (bibliothèque standard) -------------------------------------------------------------
class ErreurApi(Exception):
    """Réponse hors 2xx ; `probleme` est le corps application/problem+json (ou ce qui en tient lieu)."""

    def __init__(self, status, probleme):
        super().__init__(f"{status} {probleme}")
        self.status, self.probleme = status, probleme if isinstance(probleme, dict) else {"detail": str(probleme)}


def http(methode, url, corps=None, entetes=None, timeout=5):
    req = urllib.request.Request(url, data=corps, method=methode, headers=entetes or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as rep:
            contenu = rep.read()
            return json.loads(contenu) if contenu else {}
    except urllib.error.HTTPError as err:
        contenu = err.read()
        try:
            raise ErreurApi(err.code, json.loads(contenu)) from None
        except ValueError:
            raise ErreurApi(err.code, contenu.decode("utf-8", "replace")) from None


class JetonPiste:
    """Le jeton PISTE (client_credentials, scope proconnect), gardé jusqu'à une minute avant son
    expiration (PSP-API-1, PSP-API-2)."""

    def __init__(self):
        self._verrou, self._jeton, self._expire_a = threading.Lock(), None, 0.0

    def valeur(self):
        with self._verrou:
            if self._jeton is None or time.time() > self._expire_a - 60:
                basic = b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                corps = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "proconnect"})
                rep = http("POST", PISTE_URL + "/api/oauth/token", corps.encode(), {
                    "Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"})
                self._jeton, self._expire_a = rep["access_token"], time.time() + int(rep.get("expires_in", 3600))
                log.info("nouveau jeton PISTE, valable %s s", rep.get("expires_in"))
            return self._jeton

    def oublier(self):  # après un 401 de ProConnect
        self._jeton = None


JETON = JetonPiste()


def proconnect(methode, chemin, corps=None):
    """Appelle l'API ProConnect avec le jeton PISTE ; sur 401, un nouveau jeton et un seul nouvel essai."""
    for essai in (1, 2):
        entetes = {"Authorization": "Bearer " + JETON.valeur(), "Accept": "application/json"}
        if corps is not None:
            entetes["Content-Type"] = "application/json"
        try:
            return http(methode, PROCONNECT_URL + "/api/v1" + chemin,
                        None if corps is None else json.dumps(corps).encode(), entetes)
        except ErreurApi as err:
            if err.status != 401 or essai == 2:
                raise
            JETON.oublier()


# --- Les clés de ProConnect (PSP-CLE-1, -2, -3) ------------------------------------------------------
class JwksProConnect:
    """Le JWKS de ProConnect en cache, relu pour un `kid` inconnu, mais au plus une fois toutes les
    JWKS_INTERVALLE_MIN secondes : des `kid` au hasard ne font pas marteler ProConnect par le portail."""

    def __init__(self):
        self._verrou = threading.Lock()
        self._cles, self._lu_a, self._essaye_a = {}, float("-inf"), float("-inf")

    def cle(self, kid):
        with self._verrou:  # tenu pendant la lecture : les requêtes concurrentes attendent son résultat
            maintenant = time.monotonic()
            perime = maintenant - self._lu_a > JWKS_DUREE_MAX
            if (kid not in self._cles or perime) and maintenant - self._essaye_a >= JWKS_INTERVALLE_MIN:
                self._essaye_a = maintenant
                self._relire()
            return self._cles.get(kid)

    def _relire(self):
        try:
            jwks = http("GET", PROCONNECT_URL + "/api/v1/jwks", timeout=2)
        except (OSError, ErreurApi, ValueError) as err:
            log.warning("JWKS illisible, on garde les clés connues : %s", err)
            return
        cles = {}
        for jwk in jwks.get("keys", []):  # seules les clés EC P-256 de signature servent en ES256
            if (jwk.get("kty") == "EC" and jwk.get("crv") == "P-256" and jwk.get("use", "sig") == "sig"
                    and jwk.get("alg", "ES256") == "ES256" and isinstance(jwk.get("kid"), str)):
                try:
                    cles[jwk["kid"]] = jwt.PyJWK(jwk, "ES256").key
                except jwt.PyJWTError as err:
                    log.warning("clé %s ignorée : %s", jwk.get("kid"), err)
        self._cles, self._lu_a = cles, time.monotonic()
        log.info("JWKS de ProConnect relu : %s", sorted(cles))


JWKS = JwksProConnect()


# --- Vérification d'un événement (PSP-EVT-2 à -7) ---------------------------------------------------
class Refus(Exception):
    """Un événement refusé : toujours une réponse 4xx, jamais 2xx ni 5xx (PSP-EVT-7)."""

    def __init__(self, status, raison):
        super().__init__(raison)
        self.status = status


def verifier_evenement(jws):
    try:
        entete = jwt.get_unverified_header(jws)
    except jwt.PyJWTError as err:
        raise Refus(400, f"en-tête illisible ou refusé : {err}")
    if entete.get("alg") != "ES256":                 # ni none, ni HS256, ni autre (PSP-EVT-2)
        raise Refus(401, "alg doit être ES256")
    if entete.get("typ") != TYP_EVENEMENT:           # exactement (PSP-EVT-4)
        raise Refus(401, f"typ doit être {TYP_EVENEMENT}")
    if "crit" in entete:                             # nous ne connaissons aucune extension (RFC 7515 § 4.1.11)
        raise Refus(401, "extension critique inconnue")
    # La clé vient du JWKS de ProConnect, par son kid ; jwk, jku, x5u, x5c ne sont jamais lus (PSP-EVT-3).
    kid = entete.get("kid")
    cle = JWKS.cle(kid) if isinstance(kid, str) and kid else None
    if cle is None:
        raise Refus(401, f"kid inconnu : {kid!r}")
    try:
        claims = jwt.decode(jws, cle, algorithms=["ES256"], audience=CLIENT_ID, issuer=PROCONNECT_ISSUER,
                            leeway=TOLERANCE_HORLOGE, options={"require": ["iss", "aud", "exp", "iat", "jti"]})
    except jwt.PyJWTError as err:                    # signature, aud, iss, exp, iat… (PSP-EVT-5, -6)
        raise Refus(401, f"événement refusé : {err}")
    except (TypeError, ValueError) as err:           # PyJWT 2.6 laisse passer TypeError (iat: "…", exp: {})
        raise Refus(400, f"revendications mal formées : {err}")
    # Revérifié ici, quelle que soit la version de PyJWT : iss exact, dates numériques, iat pas futur.
    if not isinstance(claims["iss"], str) or claims["iss"] != PROCONNECT_ISSUER:
        raise Refus(401, "iss inattendu")
    for nom in ("exp", "iat"):
        if isinstance(claims[nom], bool) or not isinstance(claims[nom], (int, float)):
            raise Refus(400, f"{nom} doit être un nombre")
    if claims["iat"] > time.time() + TOLERANCE_HORLOGE:
        raise Refus(401, "iat dans le futur")
    claims.setdefault("data", {})
    if not (isinstance(claims["jti"], str) and claims["jti"] and isinstance(claims.get("event_type"), str)
            and isinstance(claims["data"], dict)):
        raise Refus(400, "jti, event_type ou data mal formé")
    return claims


# --- Application des événements (PSP-EVT-1, -8 à -11, PSP-VER-1, PSP-ACC-2, -3) --------------------
def certification(cid, data=None):
    """La certification `cid`, créée si le portail ne la connaît pas encore (base restaurée… : PSP-EVT-11).
    À appeler sous VERROU."""
    if cid not in CERTIFICATIONS:
        data = data or {}
        CERTIFICATIONS[cid] = {"siren": data.get("siren"), "purpose": data.get("purpose"),
                               "account_ref": data.get("account_ref"), "state": "pending", "outcome": None,
                               "revoked": False, "events_applied": 0}
    return CERTIFICATIONS[cid]


def poser_resultat(c, outcome, revoque=False):
    """Seul `certified` certifie (PSP-PAR-3), `unsupported_identity` mène au parcours alternatif
    (PSP-PAR-4), et une révocation est définitive, quel que soit l'ordre d'arrivée (PSP-EVT-9)."""
    c["revoked"] = c["revoked"] or revoque
    c["outcome"] = outcome or c["outcome"]
    etats = {"certified": "certified", "unsupported_identity": "alternative_offered"}
    c["state"] = "revoked" if c["revoked"] else etats.get(c["outcome"], "not_certified")


def sur_certification_terminee(data):
    if isinstance(data.get("certification_id"), str):
        c = certification(data["certification_id"], data)
        c["events_applied"] += 1  # tout événement distinct accepté compte, même sans effet (contrat, section 5)
        if not c["revoked"]:  # un completed arrivé après la révocation ne change rien
            poser_resultat(c, data.get("outcome"))


def sur_dirigeant_revoque(data):  # PSP-VER-1
    if isinstance(data.get("certification_id"), str):
        c = certification(data["certification_id"], data)
        poser_resultat(c, None, revoque=True)
        c["events_applied"] += 1


def sur_demande_decidee(etat):
    def appliquer(data):
        aid = data.get("access_request_id")
        d = DEMANDES.get(aid) if isinstance(aid, str) else None
        if d is None or d["state"] != "pending":  # demande inconnue, ou déjà close : acquittée, ignorée
            return
        d["state"] = etat
        if etat == "approved":                    # le compte n'existe qu'à l'acceptation (PSP-ACC-2)
            COLLABORATEURS[aid] = {"siren": d["siren"], "email": d["email"]}
    return appliquer


def sur_courriel_contact(data):
    CONTACTS[str(data.get("siren"))] = data.get("contact_email")


TRAITEMENTS = {
    "certification.completed": sur_certification_terminee,
    "dirigeant.revoked": sur_dirigeant_revoque,
    "access_request.approved": sur_demande_decidee("approved"),
    "access_request.refused": sur_demande_decidee("refused"),
    "access_request.expired": sur_demande_decidee("expired"),
    "contact_email.changed": sur_courriel_contact,
}


@app.post("/api/psp/events")
def evenements():
    if request.mimetype != "application/jwt":
        return jsonify(error="Content-Type attendu : application/jwt"), 415
    try:
        claims = verifier_evenement(request.get_data().strip())
    except Refus as refus:
        log.warning("événement refusé (%s) : %s", refus.status, refus)
        return jsonify(error=str(refus)), refus.status
    except Exception:  # un cas imprévu reste un refus (4xx), jamais une panne (5xx)
        log.exception("événement illisible")
        return jsonify(error="événement illisible"), 400
    with VERROU:
        if claims["jti"] in JTI_VUS:  # doublon : acquitté, pas appliqué (PSP-EVT-8)
            return jsonify(status="duplicate"), 200
        traitement = TRAITEMENTS.get(claims["event_type"])  # type inconnu : acquitté, ignoré (PSP-EVT-10)
        if traitement:
            traitement(claims["data"])
        JTI_VUS.add(claims["jti"])
    log.info("événement %s %s appliqué", claims["event_type"], claims["jti"])
    return jsonify(status="applied"), 200


# --- Parcours de certification (PSP-PAR-1 à -5) -----------------------------------------------------
def lancer_certification(siren, purpose, account_ref=None):
    """Crée la certification, lie un `state` neuf à ce navigateur (session signée) et l'y envoie."""
    state = secrets.token_urlsafe(32)
    corps = {"siren": siren, "redirect_uri": PUBLIC_URL + "/retour", "state": state, "purpose": purpose}
    if account_ref:
        corps["account_ref"] = account_ref
    try:
        rep = proconnect("POST", "/certifications", corps)
    except ErreurApi as err:
        detail = err.probleme.get("detail")  # les mots de ProConnect, pour les développeurs seulement
        if err.status == 422 and str(err.probleme.get("type", "")).endswith("/company-not-found"):
            # Le répertoire SIRENE ne connaît pas ce SIREN : personne n'est envoyé à FranceConnect,
            # on le dit et on propose le parcours alternatif (PSP-PAR-6).
            return page("Entreprise introuvable",
                        f"Aucune entreprise n'est enregistrée sous le numéro SIREN {siren} dans le répertoire "
                        "SIRENE : vous n'avez pas besoin de vous connecter. Vérifiez le numéro sur un extrait "
                        "Kbis ou un avis de situation SIRENE ; si votre entreprise est étrangère ou pas encore "
                        "immatriculée, un agent peut certifier votre compte sur pièces justificatives.",
                        genre="erreur", detail=detail,
                        lien=("/parcours-alternatif?siren=" + urllib.parse.quote(siren),
                              "Déposer mes pièces justificatives (parcours alternatif)"))
        if err.status < 500:
            texte = ("Ce numéro SIREN n'est pas valide : vérifiez les 9 chiffres sur un extrait Kbis ou un avis "
                     "de situation SIRENE." if err.probleme.get("field") == "siren" else
                     "ProConnect refuse la demande : vérifiez le numéro SIREN, puis recommencez.")
            return page("Numéro SIREN refusé", texte, 400, genre="erreur", detail=detail)
        return page("Service momentanément indisponible", "ProConnect ne répond pas. Réessayez dans quelques "
                    "minutes.", 502, genre="erreur", detail=detail)
    with VERROU:
        certification(rep["id"], corps)
    attendus = session.get("states", {})
    attendus[state] = rep["id"]
    session["states"] = dict(list(attendus.items())[-5:])  # quelques onglets à la fois, pas plus
    return redirect(rep["authorization_url"], 303)


@app.get("/demarrer")
def demarrer():  # start_url : un nouveau compte
    return lancer_certification(request.args.get("siren", "").strip(), "registration")


@app.get("/comptes/<account_ref>/certifier")
def certifier_compte(account_ref):  # certification_url : un compte existant (ici, n'importe lequel)
    return lancer_certification(request.args.get("siren", "").strip(), "certification", account_ref)


MESSAGES = {
    "certified": "Vous êtes certifié dirigeant de l'entreprise : votre compte est ouvert.",
    "close_match": "Votre identité ressemble à celle d'un dirigeant sans concorder tout à fait : votre "
                   "compte n'est pas certifié. Contactez le support si vous êtes bien dirigeant.",
    "not_dirigeant": "Vous n'apparaissez pas parmi les dirigeants de cette entreprise.",
    "company_not_found": "Cette entreprise est inconnue du registre.",
    "company_ceased": "Cette entreprise a cessé son activité.",
    "organisation_not_covered": "Ce type d'organisation (association, collectivité…) n'a pas de registre des "
                                "dirigeants : la certification en ligne n'est pas possible, un agent peut "
                                "certifier votre compte sur pièces justificatives.",
    "cancelled": "Vous avez abandonné la certification. Vous pouvez recommencer quand vous voulez.",
    "error": "Un service n'a pas répondu. Réessayez dans quelques minutes.",
    "revoked": "Vous n'êtes plus dirigeant de cette entreprise d'après le registre : la certification "
               "de votre compte est retirée.",
}


# Le genre d'alerte de chaque résultat : vert seulement pour `certified`.
GENRES = {"certified": "succes", "close_match": "avertissement", "cancelled": "avertissement",
          "organisation_not_covered": "info", "unsupported_identity": "info"}


@app.get("/retour")
def retour():
    cid, state = request.args.get("certification_id", ""), request.args.get("state", "")
    attendus = session.get("states", {})
    # Le retour n'est accepté que du navigateur qui a lancé la demande (PSP-PAR-2).
    if not cid or not state or attendus.get(state) != cid:
        return page("Retour refusé", "Ce retour ne correspond à aucune demande lancée depuis ce navigateur. "
                    "Recommencez depuis l'accueil.", 400, genre="erreur")
    del attendus[state]
    session["states"] = attendus
    try:  # le résultat est lu chez ProConnect : l'événement peut arriver après le navigateur
        lue = proconnect("GET", "/certifications/" + urllib.parse.quote(cid, safe=""))
    except ErreurApi:
        return page("Résultat indisponible", "ProConnect n'a pas pu donner le résultat. Réessayez dans quelques "
                    "minutes.", 502, genre="erreur")
    with VERROU:
        c = certification(cid, lue)
        if lue.get("status") == "completed":
            poser_resultat(c, lue.get("outcome"), revoque=bool(lue.get("revoked_at")))
        etat, outcome = c["state"], c["outcome"]
    codes = f"résultat {outcome}, état du compte {etat}"  # les codes, pour les développeurs seulement
    alternatif = ("/parcours-alternatif?certification_id=" + urllib.parse.quote(cid),
                  "Déposer mes pièces justificatives (parcours alternatif)")
    if etat == "alternative_offered":
        return page("Certification en ligne impossible",
                    "Votre identité (européenne ou étrangère) ne peut pas être vérifiée par ProConnect. "
                    "Un agent peut certifier votre compte sur pièces justificatives.",
                    genre="info", detail=codes, lien=alternatif)
    if etat == "pending":
        return page("Certification en cours", "Le résultat n'est pas encore connu. Rechargez cette page.",
                    genre="info", detail=codes)
    titre = "Vous êtes certifié dirigeant" if etat == "certified" else "Compte non certifié"
    cle = "revoked" if etat == "revoked" else outcome
    return page(titre, MESSAGES.get(cle, "La certification n'a pas abouti."), genre=GENRES.get(cle, "erreur"),
                detail=codes, lien=alternatif if outcome in ("organisation_not_covered", "company_not_found") and etat != "revoked" else None)


@app.get("/parcours-alternatif")
def parcours_alternatif():
    return page("Certification par un agent", "Envoyez une pièce d'identité et un extrait Kbis (ou équivalent) : "
                "un agent vérifie votre qualité de dirigeant sous cinq jours ouvrés.")


# --- API déclarée à la suite : état, revérification, collaborateurs --------------------------------
# En production, status_url et recheck_url seraient réservées aux agents (authentification, réseau interne).
@app.get("/api/status/<cid>")
def statut(cid):
    with VERROU:
        c = CERTIFICATIONS.get(cid)
        if c is None:
            return jsonify(error="certification inconnue"), 404
        return jsonify(account_state=c["state"], events_applied=c["events_applied"])


@app.post("/api/reverifier/<cid>")
def reverifier(cid):
    """Revérifie sans nouvelle connexion et applique la réponse sans attendre d'événement (PSP-VER-2)."""
    with VERROU:
        if cid not in CERTIFICATIONS:
            return jsonify(error="certification inconnue"), 404
    try:
        rep = proconnect("POST", "/verifications", {"certification_id": cid})
    except ErreurApi as err:  # 409 : rien à revérifier ; 503 : registre indisponible
        return jsonify(error=err.probleme.get("detail", "refusé par ProConnect")), err.status
    with VERROU:
        c = CERTIFICATIONS[cid]
        if rep.get("still_dirigeant") is False:
            poser_resultat(c, None, revoque=True)
        return jsonify(account_state=c["state"], still_dirigeant=rep.get("still_dirigeant"))


@app.post("/api/acces")
def demander_acces():
    """Dépose la demande d'un collaborateur ; aucun compte avant la réponse du dirigeant (PSP-ACC-1)."""
    corps = request.get_json(silent=True)
    champs = ("siren", "email", "given_name", "family_name")
    if not isinstance(corps, dict) or not all(isinstance(corps.get(k), str) and corps[k] for k in champs):
        return jsonify(error="attendu : JSON {siren, email, given_name, family_name}"), 400
    collaborateur = {k: corps[k] for k in champs[1:]}
    try:
        rep = proconnect("POST", "/access-requests", {"siren": corps["siren"], "collaborator": collaborateur})
    except ErreurApi as err:  # ProConnect refuse : on le dit, sans créer de demande (PSP-ACC-4)
        message = err.probleme.get("detail") or err.probleme.get("title") or "demande refusée"
        if str(err.probleme.get("type", "")).endswith("/no-contact-email"):
            message = ("L'entreprise n'a pas de courriel de contact : demandez à son dirigeant d'en "
                       "référencer un sur ProConnect, puis recommencez.")
        return jsonify(error=message), err.status if err.status < 500 else 502
    with VERROU:  # une demande déjà en attente (existing: true) garde son état
        DEMANDES.setdefault(rep["id"], dict(collaborateur, siren=corps["siren"], state="pending"))
    return jsonify(access_request_id=rep["id"], existing=rep.get("existing", False)), 202


@app.get("/api/acces/<aid>")
def etat_acces(aid):
    with VERROU:
        d = DEMANDES.get(aid)
        if d is None:
            return jsonify(error="demande inconnue"), 404
        return jsonify(access_state=d["state"], account_created=aid in COLLABORATEURS)


@app.errorhandler(OSError)
def service_injoignable(err):  # PISTE ou ProConnect ne répond pas (urllib.error.URLError, délai…)
    log.error("service injoignable : %s", err)
    return page("Service indisponible", "Un service ne répond pas. Réessayez dans quelques minutes.", 502,
                genre="erreur")


# --- Pages ------------------------------------------------------------------------------------------
GABARIT = """<!doctype html><html lang="fr"><meta charset="utf-8"><title>{{ titre }}</title>
<style>.alerte{border-left:4px solid;padding:.5em 1em}.succes{border-color:#18753c;background:#b8fec9}
.avertissement{border-color:#b34000;background:#ffe9e6}.erreur{border-color:#ce0500;background:#ffe9e9}
.info{border-color:#0063cb;background:#e8edff}.detail{color:#666}</style>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>{{ titre }}</h1>
{% if genre %}<p class="alerte {{ genre }}" role="{{ 'alert' if genre in ('erreur', 'avertissement') else 'status' }}">{{ texte }}</p>
{% else %}<p>{{ texte }}</p>{% endif %}
{% if lien %}<p><a href="{{ lien[0] }}">{{ lien[1] }}</a></p>{% endif %}
{% if detail %}<p class="detail"><small>Détail pour les développeurs : {{ detail }}</small></p>{% endif %}
{% if accueil %}<form method="get" action="/demarrer"><label>SIREN <input name="siren" required
 pattern="[0-9]{9}"></label> <button>Me certifier dirigeant avec ProConnect</button></form>{% endif %}
</body></html>"""


def page(titre, texte, status=200, lien=None, accueil=False, genre=None, detail=None):
    """Une page : `genre` (succes, avertissement, erreur, info) colore le message ; `detail` est une
    ligne pour les développeurs (codes, mots de ProConnect), jamais le message lui-même."""
    return render_template_string(GABARIT, titre=titre, texte=texte, lien=lien, accueil=accueil, genre=genre,
                                  detail=detail), status


@app.get("/")
def accueil():
    return page("Portail d'exemple", "Certifiez-vous dirigeant de votre entreprise avec ProConnect.", accueil=True)


if __name__ == "__main__":
    hote, _, port = LISTEN.rpartition(":")
    log.info("portail %s sur http://%s (public : %s), ProConnect %s, PISTE %s",
             CLIENT_ID, LISTEN, PUBLIC_URL, PROCONNECT_URL, PISTE_URL)
    app.run(host=hote or "127.0.0.1", port=int(port), threaded=True)
