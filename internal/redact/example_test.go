package redact_test

import (
	"fmt"

	"github.com/keystone-go/keystone/internal/redact"
)

func ExampleJSONBody() {
	out, _ := redact.JSONBody([]byte(`{"auth":{"identity":{"methods":["password","totp"],
		"password":{"user":{"name":"alice","password":"hunter2"}},"totp":{"user":{"name":"alice","passcode":"123456"}}}}}`))
	fmt.Println(string(out))
	// Output: {"auth":{"identity":{"methods":["password","totp"],"password":{"user":{"name":"alice","password":"***"}},"totp":{"user":{"name":"alice","passcode":"***"}}}}}
}
