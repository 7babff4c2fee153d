package e2eutil

import (
	"errors"

	"github.com/keystone-go/keystone/pkg/apierror"
)

func isNotFound(err error) bool { return errors.Is(err, apierror.ErrNotFound) }
