package insee

// iso2 maps the ISO 3166 alpha-3 codes of Countries to alpha-2: API
// Entreprise (Infogreffe) gives the country of birth in alpha-2.
var iso2 = map[string]string{
	"FRA": "FR", "JPN": "JP", "DEU": "DE", "ESP": "ES", "ITA": "IT", "BEL": "BE", "GBR": "GB", "USA": "US",
	"MAR": "MA", "DZA": "DZ", "TUN": "TN", "CHE": "CH", "PRT": "PT", "CAN": "CA", "SEN": "SN",
}

// ISO2 returns the country's ISO 3166 alpha-2 code ("" when unknown).
func (c Country) ISO2() string { return iso2[c.ISO3] }

// CountryByISO2 returns a country by its ISO 3166 alpha-2 code.
func CountryByISO2(code string) (Country, bool) {
	for _, c := range Countries {
		if code != "" && c.ISO2() == code {
			return c, true
		}
	}
	return Country{}, false
}
