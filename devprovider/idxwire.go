package devprovider

// The JSON shapes of Okta's Identity Engine API (IDX), as the Okta Sign-In
// Widget 7 and okta-auth-js read and write them. IDX responses are Ion
// documents (https://ionspec.org): forms are objects with rel, name, href,
// method and a value list of fields; lists are {"type":"array","value":[…]}
// and embedded objects {"type":"object","value":{…}}.

const (
	// idxVersion is the IDX API version, in every response body and in
	// the okta-version media type parameter.
	idxVersion = "1.0.0"
	// idxResponseType is the media type of every IDX response.
	idxResponseType = "application/ion+json; okta-version=1.0.0"
	// idxRequestType is the media type the remediation forms accept.
	idxRequestType = "application/json; okta-version=1.0.0"
)

// idxResponse is an IDX response: the current step of an interaction, its
// outcome, or an error.
type idxResponse struct {
	Version                        string          `json:"version"`
	StateHandle                    string          `json:"stateHandle,omitempty"`
	ExpiresAt                      string          `json:"expiresAt,omitempty"`
	Intent                         string          `json:"intent,omitempty"`
	Remediation                    *idxRemediation `json:"remediation,omitempty"`
	Messages                       *idxMessages    `json:"messages,omitempty"`
	CurrentAuthenticator           *idxObject      `json:"currentAuthenticator,omitempty"`
	CurrentAuthenticatorEnrollment *idxObject      `json:"currentAuthenticatorEnrollment,omitempty"`
	User                           *idxObject      `json:"user,omitempty"`
	Cancel                         *idxForm        `json:"cancel,omitempty"`
	SuccessWithInteractionCode     *idxForm        `json:"successWithInteractionCode,omitempty"`
}

// idxRemediation lists what the user can do next.
type idxRemediation struct {
	Type  string    `json:"type"`
	Value []idxForm `json:"value"`
}

// idxForm is an Ion form. The widget posts, as JSON, exactly the fields
// the form lists, with the immutable ones at their given values.
type idxForm struct {
	Rel       []string   `json:"rel"`
	Name      string     `json:"name"`
	RelatesTo []string   `json:"relatesTo,omitempty"`
	Href      string     `json:"href"`
	Method    string     `json:"method"`
	Produces  string     `json:"produces,omitempty"`
	Accepts   string     `json:"accepts,omitempty"`
	Value     []idxField `json:"value"`
}

// idxField is one field of a form, possibly a nested form.
type idxField struct {
	Name     string       `json:"name"`
	Label    string       `json:"label,omitempty"`
	Type     string       `json:"type,omitempty"`
	Value    string       `json:"value,omitempty"`
	Required bool         `json:"required,omitempty"`
	Secret   bool         `json:"secret,omitempty"`
	Visible  *bool        `json:"visible,omitempty"`
	Mutable  *bool        `json:"mutable,omitempty"`
	Form     *idxSubForm  `json:"form,omitempty"`
	Messages *idxMessages `json:"messages,omitempty"`
}

type idxSubForm struct {
	Value []idxField `json:"value"`
}

// idxMessages are messages for the user. The widget shows the translation
// of i18n.key when it has one, and message otherwise.
type idxMessages struct {
	Type  string       `json:"type"`
	Value []idxMessage `json:"value"`
}

type idxMessage struct {
	Message string   `json:"message"`
	I18n    *idxI18n `json:"i18n,omitempty"`
	Class   string   `json:"class"`
}

type idxI18n struct {
	Key string `json:"key"`
}

// idxObject is an embedded Ion object.
type idxObject struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// idxAuthenticator describes an authenticator, or a user's enrollment in
// one. key names its kind for the widget (okta_password, google_otp).
type idxAuthenticator struct {
	Type        string      `json:"type"`
	Key         string      `json:"key"`
	ID          string      `json:"id"`
	DisplayName string      `json:"displayName"`
	Methods     []idxMethod `json:"methods"`
}

type idxMethod struct {
	Type string `json:"type"`
}

type idxUser struct {
	ID         string `json:"id,omitempty"`
	Identifier string `json:"identifier"`
}

// Request bodies.

// idxIntrospectRequest names an interaction by its handle, or by a state
// handle (okta-auth-js sends it as stateToken).
type idxIntrospectRequest struct {
	InteractionHandle string `json:"interactionHandle"`
	StateToken        string `json:"stateToken"`
	StateHandle       string `json:"stateHandle"`
}

// idxRemediationRequest is the body of identify, challenge/answer and
// cancel: the form's fields.
type idxRemediationRequest struct {
	StateHandle string          `json:"stateHandle"`
	Identifier  string          `json:"identifier"`
	Credentials *idxCredentials `json:"credentials"`
	RememberMe  bool            `json:"rememberMe"`
}

type idxCredentials struct {
	Passcode string `json:"passcode"`
}

// stateHandleField is the hidden, immutable field every form carries: the
// widget posts only what the form lists.
func stateHandleField(sh string) idxField {
	f := false
	return idxField{Name: "stateHandle", Required: true, Value: sh, Visible: &f, Mutable: &f}
}

// idxError is a response with one error message for the user.
func idxError(message, i18nKey string) idxResponse {
	m := idxMessage{Message: message, Class: "ERROR"}
	if i18nKey != "" {
		m.I18n = &idxI18n{Key: i18nKey}
	}
	return idxResponse{Version: idxVersion, Messages: &idxMessages{Type: "array", Value: []idxMessage{m}}}
}
