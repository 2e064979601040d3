# language: fr
@franceconnect @connexion
Fonctionnalité: Connexion de l'usager
  La page de connexion du fournisseur d'identité simulé liste les identités de test ; l'usager en choisit
  une ou saisit un identifiant. Les identités d'échec se comportent comme celles des maquettes de FranceConnect.

  Contexte:
    Soit un fournisseur de service FranceConnect

  @obligatoire @ci
  Scénario: La page de connexion liste les identités de test
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Alors la page de connexion est affichée
    Et la page de connexion propose la persona "angela"
    Et la page de connexion propose la persona "xavi"

  @obligatoire @ci
  Scénario: Une connexion réussie renvoie un code, le state et l'émetteur
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager se connecte avec la persona "angela"
    Alors l'usager est renvoyé vers le fournisseur de service avec un code

  @obligatoire @ci
  Scénario: Un mauvais mot de passe laisse l'usager sur la page de connexion
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager se connecte avec l'identifiant "angela" et le mot de passe "faux"
    Alors la page de connexion est affichée avec le message "Identifiant ou mot de passe incorrect."

  @obligatoire @ci
  Scénario: L'usager revient sur le service sans se connecter
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager clique sur "Revenir sur le service"
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "access_denied" et la description "User auth aborted" dans la requête

  @obligatoire @ci
  Plan du scénario: Les identités d'échec se comportent comme chez FranceConnect
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager se connecte avec la persona "<persona>"
    Alors FranceConnect affiche l'erreur "<code>" avec le statut <statut>

    Exemples:
      | persona          | code    | statut |
      | sans_genre       | Y600006 | 400    |
      | sans_mail        | Y600006 | 400    |
      | test_INVALID_COG | Y600006 | 400    |
      | sans_birthplace  | Y600006 | 400    |
      | mois_00          | Y600006 | 400    |
      | E010015          | Y010015 | 400    |
      | E000001          | Y180001 | 403    |

  @obligatoire @ci
  Scénario: Quitter une page d'erreur renvoie server_error au fournisseur de service
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager se connecte avec la persona "sans_genre"
    Et l'usager clique sur "Revenir sur le service"
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "server_error" et la description "authentication aborted due to a technical error on the authorization server" dans la requête

  @obligatoire @ci
  Plan du scénario: Les identités qui abandonnent ou échouent renvoient une erreur au fournisseur de service
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager se connecte avec la persona "<persona>"
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "<erreur>" et la description "<description>" dans la requête

    Exemples:
      | persona       | erreur        | description                                                                 |
      | access_denied | access_denied | User auth aborted                                                           |
      | server_error  | server_error  | authentication aborted due to a technical error on the authorization server |

  @obligatoire @ci
  Scénario: L'usager déjà connecté à FranceConnect est reconnu sans nouvelle saisie (SSO)
    Soit l'usager s'est connecté avec la persona "angela"
    Et un second fournisseur de service FranceConnect
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Alors l'usager est renvoyé vers le fournisseur de service avec un code

  @obligatoire @ci @controle
  Scénario: Une session FranceConnect sans interface connecte la persona à la demande suivante
    Soit l'usager a une session FranceConnect sans interface pour la persona "jean-philippe"
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et le fournisseur de service échange le code
    Et le fournisseur de service demande les informations de l'usager
    Alors le userinfo a "given_name" égal à "Jean Philippe Pierre Louis"

  @recommande @ci @controle
  Scénario: Une connexion mise en file est jouée à la demande suivante
    Soit la prochaine connexion du fournisseur de service est celle de la persona "corse"
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et le fournisseur de service échange le code
    Et le fournisseur de service demande les informations de l'usager
    Alors le userinfo a "birthplace" égal à "2A004"

  @recommande @ci @controle
  Scénario: Une erreur mise en file est renvoyée à la demande suivante
    Soit la prochaine connexion du fournisseur de service échoue avec "access_denied"
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "access_denied" et la description "User auth aborted" dans la requête

  @recommande @ci @controle
  Scénario: Un fournisseur d'identité lent fait attendre l'usager
    Soit une persona lente de 300 millisecondes
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager se connecte avec la persona lente
    Alors l'usager est renvoyé vers le fournisseur de service avec un code
    Et la connexion a duré au moins 300 millisecondes
