package api_test

import (
	"bytes"
	"fmt"
	"io/fs"

	"github.com/keystone-go/keystone/api"
)

func ExampleDocuments() {
	for _, d := range api.Documents() {
		data, err := api.Read(d.File)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s under %q: OpenAPI 3.0.3 %t\n", d.File, d.Prefix, bytes.Contains(data, []byte("openapi: 3.0.3")))
	}
	// Output:
	// identity-v3.yaml under "/v3": OpenAPI 3.0.3 true
	// identity-discovery.yaml under "": OpenAPI 3.0.3 true
	// identity-v2.yaml under "/v2.0": OpenAPI 3.0.3 true
}

func ExampleFS() {
	names, err := fs.Glob(api.FS(), "*.yaml")
	if err != nil {
		panic(err)
	}
	fmt.Println(names)
	// Output:
	// [identity-discovery.yaml identity-v2.yaml identity-v3.yaml]
}
