package doctor

import (
	"fmt"
	"net/http"
	"time"
)

// skewWarning is the clock difference worth a warning although the app
// still accepts tokens: NTP keeps clocks within a second, so 30 seconds
// means one of them is not synchronized, and the margin left to the leeway
// shrinks.
const skewWarning = 30 * time.Second

// checkClock compares the provider's clock, as its Date header tells it
// (RFC 9110 section 6.6.1) on the discovery answer, with this machine's.
// The app checks an id_token's exp, iat and nbf against its own clock
// with the configured leeway (OIDC Core 3.1.3.7, steps 9 and 10), so a
// skew beyond the leeway fails every login. The Date header has a
// resolution of one second, and the answer's latency adds to it; both
// are far below the thresholds.
func (d *doctor) checkClock(disc *discovery) {
	if disc == nil {
		return // reported with the discovery
	}
	a := disc.answer
	raw := a.header.Get("Date")
	if raw == "" {
		d.skip(CheckClock, "the discovery answer has no Date header to compare with")
		return
	}
	date, err := http.ParseTime(raw)
	if err != nil {
		d.skip(CheckClock, "the discovery answer's Date header %q does not parse", clean(raw, 60))
		return
	}
	skew := date.Sub(a.received.Truncate(time.Second))
	abs := skew.Abs()
	what := describeSkew(skew)
	fix := "synchronize this machine's clock (NTP: timedatectl set-ntp true, or your OS's automatic time setting)"
	switch {
	case abs > d.cfg.Leeway:
		d.fail(CheckClock, fmt.Sprintf("%s, beyond the leeway of %v: the app would refuse every id_token (exp, iat, nbf)", what, d.cfg.Leeway),
			fix+"; raising OKTA_SAMPLE_LEEWAY (at most 15m) only hides the problem")
	case abs > skewWarning:
		d.warn(CheckClock, fmt.Sprintf("%s; the app allows %v, but a clock that far off is not synchronized", what, d.cfg.Leeway), fix)
	default:
		d.pass(CheckClock, "%s (the app allows %v)", what, d.cfg.Leeway)
	}
}

// describeSkew says which clock is ahead, and by how much.
func describeSkew(skew time.Duration) string {
	switch {
	case skew > time.Second:
		return fmt.Sprintf("the provider's clock is %v ahead of this machine's", skew)
	case skew < -time.Second:
		return fmt.Sprintf("the provider's clock is %v behind this machine's", -skew)
	default:
		return "the provider's clock agrees with this machine's to the second"
	}
}
