package federation

import "testing"

func TestPythonBytesText(t *testing.T) {
	for in, want := range map[string]string{
		"b'https://sp.example/Shibboleth.sso/SAML2/ECP'": "https://sp.example/Shibboleth.sso/SAML2/ECP",
		`b"https://sp.example/v3"`:                       "https://sp.example/v3",
		"https://sp.example/v3":                          "https://sp.example/v3",
		"b'unbalanced\"":                                 "b'unbalanced\"",
		"b''":                                            "",
		"b'":                                             "b'",
		"":                                               "",
	} {
		if got := pythonBytesText(in); got != want {
			t.Errorf("pythonBytesText(%q) = %q, want %q", in, got, want)
		}
	}
}
