# language: fr
@piste
Fonctionnalité: Jetons d'accès PISTE
  Un portail obtient un jeton d'accès PISTE (OAuth 2.0 client_credentials) pour appeler l'API ProConnect :
  un JWT ES256 vérifiable avec le JWKS de PISTE, valable une heure.

  @obligatoire @ci
  Scénario: Le portail de démonstration obtient un jeton (client_secret_basic)
    Quand le portail "portail-demo" demande un jeton à PISTE avec le secret "portail-demo-secret" et le scope "proconnect"
    Alors la réponse a le statut 200
    Et la réponse JSON a "token_type" égal à "bearer"
    Et la réponse JSON a "scope" égal à "proconnect"
    Et le jeton PISTE est un JWT ES256 vérifié par le JWKS de PISTE
    Et le jeton PISTE a "client_id" égal à "portail-demo"
    Et le jeton PISTE a "scope" égal à "proconnect"
    Et le jeton PISTE a "aud" égal à ["proconnect-api"]
    Et le jeton PISTE expire 3600 secondes après son émission

  @obligatoire @ci
  Scénario: client_secret_post est aussi accepté
    Quand le portail "portail-demo" demande un jeton à PISTE avec le secret "portail-demo-secret" dans le corps de la requête
    Alors la réponse a le statut 200
    Et le jeton PISTE est un JWT ES256 vérifié par le JWKS de PISTE

  @obligatoire @ci
  Plan du scénario: Les erreurs OAuth 2.0 (RFC 6749 §5.2)
    Quand <demande>
    Alors la réponse a le statut <statut>
    Et la réponse JSON a "error" égal à "<erreur>"

    Exemples:
      | demande                                                                                           | statut | erreur                 |
      | le portail "portail-demo" demande un jeton à PISTE avec le secret "mauvais"                        | 401    | invalid_client         |
      | le portail "inconnu" demande un jeton à PISTE avec le secret "x"                                   | 401    | invalid_client         |
      | on demande un jeton à PISTE sans s'authentifier                                                    | 401    | invalid_client         |
      | le portail "portail-demo" demande un jeton à PISTE avec le secret "portail-demo-secret" et le scope "admin" | 400 | invalid_scope  |
      | on demande un jeton à PISTE avec le grant_type "password"                                          | 400    | unsupported_grant_type |

  @obligatoire @ci @controle
  Scénario: Un portail enregistré à l'exécution obtient un jeton
    Soit un portail est enregistré à PISTE pour le scénario
    Quand ce portail demande un jeton à PISTE
    Alors la réponse a le statut 200
    Et le jeton PISTE est un JWT ES256 vérifié par le JWKS de PISTE

  @recommande @ci @controle
  Scénario: PISTE limite le débit (429), puis répond de nouveau
    Soit un portail est enregistré à PISTE pour le scénario
    Et PISTE répondra 429 aux 2 prochaines demandes de jeton de ce portail
    Quand ce portail demande un jeton à PISTE
    Alors la réponse a le statut 429
    Quand ce portail demande un jeton à PISTE
    Alors la réponse a le statut 429
    Quand ce portail demande un jeton à PISTE
    Alors la réponse a le statut 200
