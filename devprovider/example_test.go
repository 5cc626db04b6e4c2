package devprovider_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/okta-samples/okta-go-sample/devprovider"
)

// Example mounts a provider on its own test server. The issuer must be
// known before New, so the server is created unstarted to learn its address.
func Example() {
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/oauth2/default"

	p, err := devprovider.New(devprovider.Config{
		Issuer: issuer,
		Clients: []devprovider.Client{{
			ID:                     "sample-app",
			Secret:                 "sample-secret",
			RedirectURIs:           []string{"http://localhost:8080/authorization-code/callback"},
			PostLogoutRedirectURIs: []string{"http://localhost:8080/"},
		}},
		TrustedOrigins: []string{"http://localhost:8080"},
		// Users: nil selects DemoUsers (alice@example.com / Alice-demo-1, ...).
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.Config.Handler = p // mounted at "/": it routes on full paths
	srv.Start()
	defer srv.Close()

	resp, err := http.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Issuer == issuer)
	fmt.Println(doc.AuthorizationEndpoint == issuer+"/v1/authorize")
	// Output:
	// true
	// true
}
