package complaint_test

import (
	"testing"

	"github.com/kesu-go/kesu/complaint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnderTruncateParent(t *testing.T) {
	assert.True(t, complaint.Under("gd.gz.th", "gd.gz"))
	assert.True(t, complaint.Under("gd.gz", "gd.gz"))
	assert.True(t, complaint.Under("gd.gz", ""))
	assert.False(t, complaint.Under("gd.gzx", "gd.gz"))
	assert.False(t, complaint.Under("gd", "gd.gz"))
	assert.Equal(t, "gd.gz", complaint.Truncate("gd.gz.th.s01", 2))
	assert.Equal(t, "gd", complaint.Truncate("gd.gz.th.s01", 1))
	assert.Equal(t, "gd.gz", complaint.Truncate("gd.gz", 3))
	assert.Equal(t, "", complaint.Truncate("gd.gz", 0))
	assert.Equal(t, "gd.gz", complaint.Parent("gd.gz.th"))
	assert.Equal(t, "", complaint.Parent("gd"))
	assert.Equal(t, 4, complaint.Level("gd.gz.th.s01"))
	assert.Equal(t, 0, complaint.Level(""))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = complaint.Under("gd.gz.th.s01", "gd.gz") }))
}

func TestPresets(t *testing.T) {
	c := complaint.CarrierCategories()
	for _, code := range []string{complaint.CatVASUnaware, complaint.CatUnawareMarketing, complaint.CatForcedSelling,
		complaint.CatPlanChanged, complaint.CatSuspension, complaint.CatBroadbandDelay, complaint.CatNetworkQuality,
		complaint.CatDataDispute, complaint.CatAcceptanceError, complaint.CatAttitude, complaint.CatPrivacy, complaint.CatBillingDispute} {
		assert.True(t, c.Has(code), code)
	}
	u := complaint.UtilityCategories()
	for _, code := range []string{complaint.CatOutageFrequent, complaint.CatOutageLong, complaint.CatLowVoltage,
		complaint.CatRestoreDelay, complaint.CatConnectionDelay, complaint.CatTicketQuality} {
		assert.True(t, u.Has(code), code)
	}
	assert.Equal(t, "不知情定制 (Unaware VAS subscription)", c.Label(complaint.CatVASUnaware))
	assert.Equal(t, "nope", c.Label("nope"))
	r := complaint.SampleRegions()
	path := r.Path("gd.gz.th.s01")
	require.Len(t, path, 4)
	assert.Equal(t, []string{"广东省", "广州市", "天河区", "天河一分局"}, []string{path[0].ZH, path[1].ZH, path[2].ZH, path[3].ZH})
	assert.Equal(t, []string{"gd.gz", "gd.sz"}, r.Children("gd"))
	assert.Nil(t, r.Path("xx"))
}

func TestNewTaxonomyErrors(t *testing.T) {
	_, err := complaint.NewTaxonomy("categories",
		complaint.Node{Code: "a", ZH: "甲", EN: "A"},
		complaint.Node{Code: "a", ZH: "甲", EN: "A"},
		complaint.Node{Code: "b.c", ZH: "丙", EN: "C"},
		complaint.Node{Code: "bad code"},
	)
	require.ErrorIs(t, err, complaint.ErrInvalid)
	assert.Equal(t, []string{"categories[1].code", "categories[3].code", "categories.b.c"}, fieldPaths(t, err))

	ext, err := complaint.CarrierCategories().Extend(complaint.Node{Code: "vas.music", ZH: "彩铃", EN: "Ring-back tones"})
	require.NoError(t, err)
	assert.True(t, ext.Has("vas.music"))
	assert.False(t, complaint.CarrierCategories().Has("vas.music"), "the preset is unchanged")
}
