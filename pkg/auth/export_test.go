package auth

import "github.com/keystone-go/keystone/pkg/catalog"

var catalogFilterIdentity = catalog.Filter{ServiceType: "identity"}
