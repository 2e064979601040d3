# language: fr
@registre @evolutions
Fonctionnalité: Le registre change sous le portail
  Les scénarios font évoluer le registre (une entreprise cesse, un dirigeant part) sur leur propre
  entreprise, et le dirigeant référence un courriel de contact.

  Contexte:
    Soit une entreprise synthétique pour le scénario
    Et on est connecté au RNE

  @obligatoire @ci @controle
  Scénario: Une entreprise cesse son activité
    Quand l'entreprise "{siren}" cesse son activité le "2026-01-01"
    Et on interroge l'API Sirene "/siren/{siren}"
    Alors la réponse JSON contient :
      | chemin                                                          | valeur       |
      | uniteLegale.periodesUniteLegale[0].etatAdministratifUniteLegale | "C"          |
      | uniteLegale.periodesUniteLegale[0].dateDebut                    | "2026-01-01" |
      | uniteLegale.periodesUniteLegale[1].dateFin                      | "2025-12-31" |

  @obligatoire @ci @controle
  Scénario: Un dirigeant quitte ses fonctions
    Quand le dirigeant n°1 de l'entreprise "{siren}" quitte ses fonctions
    Et on consulte l'entreprise "{siren}" au RNE
    Alors la réponse JSON a "formality.content.personneMorale.composition.pouvoirs[0].actif" égal à false

  @obligatoire @ci
  Scénario: Un courriel de contact est référencé puis lu
    Quand on référence le courriel de contact "contact@{siren}.example.test" pour l'entreprise "{siren}"
    Et on consulte le courriel de contact de l'entreprise "{siren}"
    Alors la réponse a le statut 200
    Et la réponse JSON a "siren" égal à "{siren}"

  @obligatoire @ci
  Scénario: Un courriel invalide est refusé
    Quand on référence le courriel de contact "pas-un-courriel" pour l'entreprise "{siren}"
    Alors la réponse a le statut 400

  @obligatoire @ci @franceconnect
  Scénario: Le dirigeant d'une entreprise synthétique se connecte à FranceConnect avec l'identité du registre
    Soit un fournisseur de service FranceConnect
    Et l'usager s'est connecté avec la persona "dirigeant:{siren}" et les scopes "openid identite_pivot"
    Et le fournisseur de service a échangé le code
    Quand le fournisseur de service demande les informations de l'usager
    Et on consulte l'entreprise "{siren}" au RNE
    Alors l'identité du userinfo est celle du dirigeant n°1 au RNE
