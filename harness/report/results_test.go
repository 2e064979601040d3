package report

import "testing"

func TestCompareIDs(t *testing.T) {
	ids := []string{"portail/b.feature:3", "portail/a.feature:24", "portail/a.feature:9", "portail/a.feature:100"}
	want := []string{"portail/a.feature:9", "portail/a.feature:24", "portail/a.feature:100", "portail/b.feature:3"}
	for i := range ids {
		for j := range ids {
			if (CompareIDs(ids[i], ids[j]) < 0) != (indexOf(want, ids[i]) < indexOf(want, ids[j])) {
				t.Errorf("CompareIDs(%s, %s) = %d", ids[i], ids[j], CompareIDs(ids[i], ids[j]))
			}
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
