package insee

// Country is a country as INSEE (FranceConnect's birthcountry) and the RNE
// (label and ISO 3166 alpha-3 code) write it.
type Country struct{ INSEE, Label, ISO3 string }

// Countries known to the sandbox; extend as needed.
var Countries = []Country{
	{"99100", "FRANCE", "FRA"}, {"99217", "JAPON", "JPN"}, {"99109", "ALLEMAGNE", "DEU"},
	{"99134", "ESPAGNE", "ESP"}, {"99127", "ITALIE", "ITA"}, {"99131", "BELGIQUE", "BEL"},
	{"99132", "ROYAUME-UNI", "GBR"}, {"99404", "ETATS-UNIS", "USA"}, {"99350", "MAROC", "MAR"},
	{"99352", "ALGERIE", "DZA"}, {"99351", "TUNISIE", "TUN"}, {"99140", "SUISSE", "CHE"},
	{"99139", "PORTUGAL", "PRT"}, {"99401", "CANADA", "CAN"}, {"99341", "SENEGAL", "SEN"},
}

// CountryByINSEE returns a country by its INSEE code.
func CountryByINSEE(code string) (Country, bool) {
	for _, c := range Countries {
		if c.INSEE == code {
			return c, true
		}
	}
	return Country{}, false
}

// CountryByISO3 returns a country by its ISO 3166 alpha-3 code.
func CountryByISO3(code string) (Country, bool) {
	for _, c := range Countries {
		if c.ISO3 == code {
			return c, true
		}
	}
	return Country{}, false
}
