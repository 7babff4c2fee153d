package auth

// The registry test builds every plugin from minimalOptions; these are the
// rows of v2password and v2token, kept beside the plugins.
func init() {
	minimalOptions["v2password"] = struct {
		opts map[string]string
		want Plugin
	}{map[string]string{"auth_url": "http://k:5000/v2.0", "username": "alice", "password": "pw", "tenant_id": "t1"},
		&V2Password{AuthURL: "http://k:5000/v2.0", Username: "alice", Password: "pw", TenantID: "t1"}}
	minimalOptions["v2token"] = struct {
		opts map[string]string
		want Plugin
	}{map[string]string{"auth_url": "http://k:5000", "token": "t", "tenant_name": "demo", "trust_id": "tr"},
		&V2Token{AuthURL: "http://k:5000", Token: "t", TenantName: "demo", TrustID: "tr"}}
}
