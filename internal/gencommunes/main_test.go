package main

import (
	"reflect"
	"testing"
)

func TestDerive(t *testing.T) {
	got, err := derive([]record{
		{Code: "74010", Type: "commune-actuelle", AnciensCodes: []string{"74011", "74093"}},
		{Code: "01015", Type: "commune-actuelle"},
		{Code: "01015", Type: "commune-deleguee", ChefLieu: "01015"}, // same code as a current commune
		{Code: "01340", Type: "commune-deleguee", ChefLieu: "01015"}, // not yet a pair: added
		{Code: "74093", Type: "commune-associee", ChefLieu: "74010"}, // already a pair
		{Code: "75101", Type: "arrondissement-municipal", Commune: "75056"},
		{Code: "75056", Type: "commune-actuelle", AnciensCodes: []string{"75056"}}, // identity dropped
	})
	want := [][2]string{{"01340", "01015"}, {"74011", "74010"}, {"74093", "74010"}, {"75101", "75056"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("derive = %v, %v; want %v", got, err, want)
	}
	if _, err := derive([]record{
		{Code: "74010", Type: "commune-actuelle", AnciensCodes: []string{"74011"}},
		{Code: "74020", Type: "commune-actuelle", AnciensCodes: []string{"74011"}},
	}); err == nil {
		t.Error("an old code claimed by two communes was accepted")
	}
	if _, err := derive([]record{
		{Code: "74010", Type: "commune-actuelle", AnciensCodes: []string{"74011"}},
		{Code: "74011", Type: "commune-deleguee", ChefLieu: "74012"},
		{Code: "74012", Type: "commune-actuelle", AnciensCodes: []string{"74010"}},
	}); err == nil {
		t.Error("a chain was accepted")
	}
}
