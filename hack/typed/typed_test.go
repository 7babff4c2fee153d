package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// versions are the generated clients that have a typed layer.
var versions = []struct{ spec, gen, typed, full string }{
	{"../../gen/identityv3/identity-v3.client.yaml", "../../gen/identityv3/identityv3.gen.go",
		"../../gen/identityv3/typed.gen.go", "../../api/identity-v3.yaml"},
	{"../../gen/identityv2/identity-v2.client.yaml", "../../gen/identityv2/identityv2.gen.go",
		"../../gen/identityv2/typed.gen.go", "../../api/identity-v2.yaml"},
}

// The output depends on the inputs alone, and the committed layer is what
// they give.
func TestGenerateIsDeterministicAndInSync(t *testing.T) {
	for _, v := range versions {
		first, err := generate(v.spec, v.gen)
		require.NoError(t, err, v.spec)
		second, err := generate(v.spec, v.gen)
		require.NoError(t, err, v.spec)
		assert.True(t, bytes.Equal(first, second), "%s: two runs differ", v.typed)
		committed, err := os.ReadFile(v.typed)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(first, committed), "%s is stale: run make generate", v.typed)
	}
}

// Every entry of the exception tables names an operation of one of the
// documents, so a renamed or removed operation cannot leave a stale reason.
func TestExceptionTablesNameOperations(t *testing.T) {
	ids := map[string]bool{}
	for _, v := range versions {
		doc, err := openapi3.NewLoader().LoadFromFile(v.full)
		require.NoError(t, err)
		for _, so := range sortedOperations(doc) {
			ids[so.op.OperationID] = true
		}
	}
	for name, table := range map[string]map[string]string{"rawOnly": rawOnly, "notLists": notLists} {
		for id, reason := range table {
			assert.True(t, ids[id], "%s names %s, which no document has", name, id)
			assert.NotEmpty(t, reason, "%s: %s has no reason", name, id)
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"Project": "project", "EC2Credentials": "ec2Credentials", "ID": "id",
		"OSFederation": "osFederation", "RoleIDs": "roleIDs", "X": "x",
	} {
		assert.Equal(t, want, lowerFirst(in), in)
	}
	for in, want := range map[string]string{
		"ListProjects": "Projects", "GetAuthCatalog": "AuthCatalog", "Projects": "ProjectsSeq", "List": "ListSeq",
	} {
		assert.Equal(t, want, iteratorName(in), in)
	}
	assert.Equal(t, normalize("listOS-FEDERATION_projects"), normalize("ListOSFederationProjects"))
}

// A generated package the generator cannot give a typed form to is refused
// with the operation named, not skipped.
func TestUnknownShapesAreRefused(t *testing.T) {
	dir := t.TempDir()
	spec := dir + "/spec.yaml"
	gen := dir + "/gen.go"
	require.NoError(t, os.WriteFile(spec, []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      operationId: uploadThing
      requestBody:
        content:
          application/octet-stream:
            schema: {type: string, format: binary}
      responses:
        "204": {description: done}
`), 0o644))
	require.NoError(t, os.WriteFile(gen, []byte(`package x

type ClientWithResponses struct{}

type UploadThingResponse struct{}

func (c *ClientWithResponses) UploadThingWithBodyWithResponse() {}
`), 0o644))
	_, err := generate(spec, gen)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "uploadThing")
	assert.Contains(t, err.Error(), "rawOnly")
}
