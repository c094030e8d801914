package policy

import "testing"

func TestDefault2024Loads(t *testing.T) {
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	if y.Fee.PerSubjectFen != 5000 {
		t.Errorf("fee = %d", y.Fee.PerSubjectFen)
	}
}
