// Package answer is what the generated typed clients (gen/identityv3,
// gen/identityv2) make of an answer that is not the success they expect: a
// status outside 2xx becomes the *apierror.Error the Session would have
// made (the raw clients also run over a plain http.Client), a 2xx answer
// the operation does not document an *apierror.InvalidResponseError.
package answer
