package config

import "strings"

// closest returns the known name that name is most likely a misspelling
// of, or "" when none is close. Names are compared without case, '_', '-'
// or spaces, so client_secret, ClientSecret and client-secret all find
// clientSecret; then by edit distance (a typo or two, scaled with the
// length), and by one containing the other (secret, issuerUrl).
func closest(name string, known []string) string {
	n := normalizeKey(name)
	best, bestDist := "", -1
	for _, k := range known {
		nk := normalizeKey(k)
		if nk == n {
			return k
		}
		d := editDistance(n, nk)
		if d <= max(1, len(nk)/4) && (bestDist < 0 || d < bestDist) {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return best
	}
	for _, k := range known {
		nk := normalizeKey(k)
		if shorter := min(len(n), len(nk)); shorter >= 4 && (strings.Contains(nk, n) || strings.Contains(n, nk)) {
			return k
		}
	}
	return ""
}

func normalizeKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', ' ':
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (the names compared are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
