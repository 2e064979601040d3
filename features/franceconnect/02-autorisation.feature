# language: fr
@franceconnect @autorisation
Fonctionnalité: Demande d'autorisation
  FranceConnect valide strictement la demande d'autorisation : une liste fermée de paramètres,
  des pages d'erreur avec un code Y pour ce qui précède l'identification du fournisseur de service,
  et des erreurs OAuth renvoyées au fournisseur de service ensuite.

  Contexte:
    Soit un fournisseur de service FranceConnect

  @obligatoire @ci
  Plan du scénario: Un paramètre obligatoire absent est refusé (Y030007)
    Quand le fournisseur de service redirige l'usager vers FranceConnect sans le paramètre "<paramètre>"
    Alors FranceConnect affiche l'erreur "Y030007" avec le statut 400

    Exemples:
      | paramètre     |
      | client_id     |
      | redirect_uri  |
      | response_type |
      | scope         |
      | state         |
      | nonce         |
      | acr_values    |

  @obligatoire @ci
  Plan du scénario: Un paramètre hors de la liste de FranceConnect est refusé, PKCE compris (Y030007)
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec le paramètre supplémentaire "<paramètre>" valant "<valeur>"
    Alors FranceConnect affiche l'erreur "Y030007" avec le statut 400

    Exemples:
      | paramètre             | valeur                                      |
      | code_challenge        | E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM |
      | code_challenge_method | S256                                        |
      | login_hint            | angela                                      |
      | max_age               | 60                                          |
      | response_mode         | query                                       |
      | request               | eyJhbGciOiJub25lIn0.e30.                    |
      | inconnu               | 1                                           |

  @obligatoire @ci
  Plan du scénario: Un paramètre invalide est refusé (Y030007)
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "<paramètre>" valant "<valeur>"
    Alors FranceConnect affiche l'erreur "Y030007" avec le statut 400

    Exemples:
      | paramètre    | valeur                 |
      | client_id    |                        |
      | nonce        | 0123456789abcdef       |
      | redirect_uri | pas-une-url            |
      | prompt       |                        |
      | prompt       | none                   |
      | prompt       | select_account         |
      | prompt       | none select_account    |
      | claims       | {pas du json           |

  @obligatoire @ci
  Scénario: Un paramètre répété est refusé (Y030007)
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec le paramètre "state" répété
    Alors FranceConnect affiche l'erreur "Y030007" avec le statut 400

  @obligatoire @ci
  Scénario: Un nonce de 32 caractères est accepté
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "nonce" valant "0123456789abcdef0123456789abcdef"
    Alors la page de connexion est affichée

  @obligatoire @ci
  Scénario: Un fournisseur de service inconnu est refusé (Y04EA6EF)
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "client_id" valant "inconnu-123"
    Alors FranceConnect affiche l'erreur "Y04EA6EF" avec le statut 400

  @obligatoire @ci @controle
  Scénario: Un fournisseur de service désactivé est refusé (Y04EA6EF)
    Soit un fournisseur de service FranceConnect désactivé
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Alors FranceConnect affiche l'erreur "Y04EA6EF" avec le statut 400

  @obligatoire @ci
  Scénario: Une adresse de retour non enregistrée est refusée (Y04C013C)
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "redirect_uri" valant "https://ailleurs.example.test/callback"
    Alors FranceConnect affiche l'erreur "Y04C013C" avec le statut 400

  @obligatoire @ci
  Plan du scénario: Un response_type refusé est renvoyé au fournisseur de service
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "response_type" valant "<response_type>"
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "<erreur>" et la description "<description>" <où>

    Exemples:
      | response_type  | erreur                    | description                                | où                |
      |                | invalid_request           | missing required parameter 'response_type' | dans la requête   |
      | inconnu        | unsupported_response_type | unsupported response_type requested        | dans la requête   |
      | id_token       | unsupported_response_type | unsupported response_type requested        | dans le fragment  |
      | id_token token | unsupported_response_type | unsupported response_type requested        | dans le fragment  |
      | code id_token  | unsupported_response_type | unsupported response_type requested        | dans le fragment  |
      | code token     | unsupported_response_type | unsupported response_type requested        | dans le fragment  |

  @obligatoire @ci
  Scénario: Le scope openid est exigé
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "scope" valant "profile email"
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "invalid_request" et la description "openid scope must be requested when using the acr_values parameter" dans la requête

  @obligatoire @ci @controle
  Scénario: Un scope connu non accordé au fournisseur de service est refusé
    Soit un fournisseur de service FranceConnect autorisé pour les scopes "openid given_name family_name"
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "scope" valant "openid given_name birthdate"
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "invalid_scope" et la description "requested scope is not allowed" dans la requête

  @obligatoire @ci
  Scénario: Un scope inconnu est ignoré sans erreur
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "scope" valant "openid email scope_inconnu"
    Et l'usager se connecte avec la persona "angela"
    Et le fournisseur de service échange le code
    Alors la réponse a le statut 200
    Et la réponse JSON a "scope" égal à "openid email"

  @obligatoire @ci
  Scénario: La demande d'autorisation peut être envoyée en POST
    Quand le fournisseur de service envoie la demande d'autorisation en POST
    Alors la page de connexion est affichée

  @obligatoire @ci
  Plan du scénario: prompt est accepté dès qu'il contient login ou consent
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "prompt" valant "<prompt>"
    Alors la page de connexion est affichée

    Exemples:
      | prompt                 |
      | login consent          |
      | login                  |
      | consent                |
      | login none             |
      | consent select_account |

  @obligatoire @ci
  Scénario: Un idp_hint non autorisé est renvoyé au fournisseur de service
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "idp_hint" valant "idp-inconnu"
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "invalid_idp_hint" et la description "An idp_hint was provided but is not allowed" dans la requête

  @obligatoire @ci @controle
  Scénario: Demander amr sans en avoir le droit est refusé (Y100009)
    Soit un fournisseur de service FranceConnect sans le droit amr
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "claims" valant "{\"id_token\":{\"amr\":{\"essential\":true}}}"
    Alors FranceConnect affiche l'erreur "Y100009" avec le statut 400

  @recommande @ci @controle
  Scénario: Un fournisseur de service du bac à sable peut choisir PKCE (commodité refusée en production)
    Soit un fournisseur de service FranceConnect avec PKCE
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec PKCE
    Et l'usager se connecte avec la persona "angela"
    Et le fournisseur de service échange le code sans code_verifier
    Alors la réponse est l'erreur "invalid_grant" décrite "grant request is invalid (PKCE verification failed)"
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec PKCE
    Et l'usager se connecte avec la persona "angela"
    Et le fournisseur de service échange le code avec le code_verifier
    Alors la réponse a le statut 200
