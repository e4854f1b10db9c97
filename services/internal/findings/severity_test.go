package findings

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSeverity(t *testing.T) {
	cases := []struct {
		in   string
		want Severity
	}{
		{"high", SeverityHigh},
		{"HIGH", SeverityHigh},
		{" Medium ", SeverityMedium},
		{"low", SeverityLow},
		{"informational", SeverityInformational},
		{"info", SeverityInformational},
	}
	for _, tc := range cases {
		t.Run("parses "+tc.in, func(t *testing.T) {
			got, err := ParseSeverity(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for _, bad := range []string{"", "critical", "hi", "warning"} {
		t.Run("rejects "+bad+" naming the allowed values", func(t *testing.T) {
			_, err := ParseSeverity(bad)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "high, medium, low or informational")
		})
	}
}

func TestSeverityOrdering(t *testing.T) {
	t.Run("more severe compares greater", func(t *testing.T) {
		assert.Greater(t, SeverityHigh, SeverityMedium)
		assert.Greater(t, SeverityMedium, SeverityLow)
		assert.Greater(t, SeverityLow, SeverityInformational)
	})
	t.Run("Severities runs from most to least severe", func(t *testing.T) {
		for i := 1; i < len(Severities); i++ {
			assert.Greater(t, Severities[i-1], Severities[i])
		}
		assert.Len(t, Severities, 4)
	})
	t.Run("the zero value is invalid", func(t *testing.T) {
		var s Severity
		assert.False(t, s.Valid())
		_, err := json.Marshal(s)
		assert.Error(t, err)
	})
}

func TestSeverityJSON(t *testing.T) {
	t.Run("round-trips every severity through its name", func(t *testing.T) {
		for _, s := range Severities {
			b, err := json.Marshal(s)
			require.NoError(t, err)
			assert.Equal(t, `"`+s.String()+`"`, string(b))
			var back Severity
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, s, back)
		}
	})
	t.Run("rejects an unknown name", func(t *testing.T) {
		var s Severity
		assert.Error(t, json.Unmarshal([]byte(`"severe"`), &s))
	})
}

func TestConfidence(t *testing.T) {
	t.Run("round-trips through JSON", func(t *testing.T) {
		for _, c := range []Confidence{ConfidenceLow, ConfidenceMedium, ConfidenceHigh} {
			b, err := json.Marshal(c)
			require.NoError(t, err)
			var back Confidence
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, c, back)
		}
	})
	t.Run("is ordered", func(t *testing.T) {
		assert.Greater(t, ConfidenceHigh, ConfidenceMedium)
		assert.Greater(t, ConfidenceMedium, ConfidenceLow)
	})
	t.Run("rejects informational, which is a severity", func(t *testing.T) {
		_, err := ParseConfidence("informational")
		assert.Error(t, err)
	})
}

func TestDASP(t *testing.T) {
	t.Run("has ten categories in rank order", func(t *testing.T) {
		require.Len(t, DASPCategories, 10)
		assert.Equal(t, "DASP-1", DASPCategories[0].tag())
		assert.Equal(t, "DASP-10", DASPCategories[9].tag())
	})
	t.Run("rejects a category outside the list", func(t *testing.T) {
		assert.True(t, DASPReentrancy.Valid())
		assert.False(t, DASP("DASP-11 Other").Valid())
		assert.False(t, DASP("").Valid())
	})
}
