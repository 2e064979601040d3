# language: fr
@proconnect @api
Fonctionnalité: L'API ProConnect refuse clairement ce qui est mal formé
  Chaque appel porte un jeton d'accès PISTE ; les erreurs sont en application/problem+json avec un type stable,
  un titre, un détail et, pour la validation, le champ en cause.

  @obligatoire @ci @controle
  Plan du scénario: Une demande invalide est refusée (400) avec le champ en cause
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario
    Quand le portail demande une certification avec :
      | champ   | valeur   |
      | <champ> | <valeur> |
    Alors la réponse a le statut 400
    Et l'en-tête "Content-Type" commence par "application/problem+json"
    Et la réponse JSON a "field" égal à "<champ>"

    Exemples:
      | champ   | valeur        |
      | siren   | "901001009"   |
      | siren   | "12345678"    |
      | siren   | ""            |
      | state   | ""            |
      | purpose | "inscription" |

  @obligatoire @ci @controle
  Scénario: Le SIREN de La Poste est accepté
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario
    Quand le portail demande la certification du SIREN "356000000"
    Alors la réponse a le statut 201

  @obligatoire @ci @controle
  Scénario: Un champ inconnu est refusé
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario
    Quand le portail demande une certification avec :
      | champ   | valeur |
      | inconnu | 1      |
    Alors la réponse a le statut 400
    Et la réponse JSON a "type" égal à "https://proconnect-sandbox.example/problems/invalid-body"

  @obligatoire @ci @controle
  Scénario: Une adresse de retour non enregistrée pour le portail est refusée (403)
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario
    Quand le portail demande une certification avec :
      | champ        | valeur                                |
      | redirect_uri | "https://ailleurs.example.test/retour" |
    Alors la réponse a le statut 403
    Et la réponse JSON a "type" égal à "https://proconnect-sandbox.example/problems/redirect-uri-not-registered"

  @obligatoire @ci
  Plan du scénario: Sans jeton PISTE valide, l'API refuse (401)
    Quand le portail demande la certification du SIREN "901001008" <jeton>
    Alors la réponse a le statut 401
    Et l'en-tête "WWW-Authenticate" commence par "Bearer"
    Et la réponse JSON a "type" égal à "https://proconnect-sandbox.example/problems/invalid-token"

    Exemples:
      | jeton                  |
      | sans jeton             |
      | avec un jeton falsifié |

  @obligatoire @ci @controle
  Scénario: Un jeton sans le scope proconnect est refusé (403)
    Soit un portail enregistré auprès de PISTE avec le seul scope "autre"
    Quand le portail demande la certification du SIREN "901001008"
    Alors la réponse a le statut 403
    Et la réponse JSON a "type" égal à "https://proconnect-sandbox.example/problems/insufficient-scope"

  @obligatoire @ci @controle
  Scénario: Une certification inconnue, ou d'un autre portail, n'existe pas (404)
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario
    Quand le portail lit la certification "inconnue"
    Alors la réponse a le statut 404
    Quand le portail demande la certification du SIREN "901001008"
    Et un autre portail lit cette certification
    Alors la réponse a le statut 404

  @obligatoire @ci @controle
  Scénario: Une certification qui n'a certifié personne ne se vérifie pas (409)
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario
    Quand le portail demande la certification du SIREN "901001008"
    Et le portail demande une nouvelle vérification
    Alors la réponse a le statut 409

  @obligatoire @ci
  Scénario: Les clés qui signent les événements et les descriptions OpenAPI sont publiques
    Quand on interroge ProConnect "/api/v1/jwks"
    Alors la réponse a le statut 200
    Et chaque clé du JWKS a "use" égal à "sig" et un "alg" parmi "ES256"
    Quand on interroge ProConnect "/api/v1/openapi.yaml"
    Alors la réponse a le statut 200
    Et la page contient "openapi: 3.1.0"
