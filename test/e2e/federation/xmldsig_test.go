package federation_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// Just enough XML-DSig to check the signature xmlsec1 puts on Keystone's
// SAML assertions: exclusive canonicalization without comments, the
// enveloped-signature transform, a SHA-1 digest and an RSA-SHA1 signature,
// which is what Keystone's assertions use (and all this checks for).

const (
	nsDSig       = "http://www.w3.org/2000/09/xmldsig#"
	algExcC14N   = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	algRSASHA1   = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	algSHA1      = "http://www.w3.org/2000/09/xmldsig#sha1"
)

// verifyEnvelopedSignature checks the signature that is a child of signed
// (for Keystone, the saml:Assertion) against cert: the digest of the
// canonicalized element without its signature, and the RSA signature over
// the canonicalized SignedInfo.
func verifyEnvelopedSignature(signed *etree.Element, cert *x509.Certificate) error {
	var sig *etree.Element
	for _, c := range signed.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == nsDSig {
			sig = c
		}
	}
	if sig == nil {
		return errors.New("no ds:Signature child")
	}
	info := child(sig, "SignedInfo")
	if info == nil {
		return errors.New("no SignedInfo")
	}
	if a := algorithm(child(info, "CanonicalizationMethod")); a != algExcC14N {
		return fmt.Errorf("canonicalization %q is not exclusive c14n", a)
	}
	if a := algorithm(child(info, "SignatureMethod")); a != algRSASHA1 {
		return fmt.Errorf("signature method %q is not rsa-sha1", a)
	}
	ref := child(info, "Reference")
	if ref == nil {
		return errors.New("no Reference")
	}
	if uri, id := ref.SelectAttrValue("URI", ""), signed.SelectAttrValue("ID", ""); uri != "#"+id {
		return fmt.Errorf("the reference %q is not to the signed element (ID %q)", uri, id)
	}
	var transforms []string
	if ts := child(ref, "Transforms"); ts != nil {
		for _, tr := range ts.ChildElements() {
			transforms = append(transforms, algorithm(tr))
		}
	}
	if !slices.Equal(transforms, []string{algEnveloped, algExcC14N}) {
		return fmt.Errorf("unexpected transforms %q", transforms)
	}
	if a := algorithm(child(ref, "DigestMethod")); a != algSHA1 {
		return fmt.Errorf("digest method %q is not sha1", a)
	}

	want, err := decodeBase64(child(ref, "DigestValue"))
	if err != nil {
		return fmt.Errorf("DigestValue: %w", err)
	}
	digest := sha1.Sum([]byte(excC14N(signed, sig)))
	if !bytes.Equal(digest[:], want) {
		return errors.New("the digest of the signed element does not match DigestValue")
	}

	value, err := decodeBase64(child(sig, "SignatureValue"))
	if err != nil {
		return fmt.Errorf("SignatureValue: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("the certificate's key is %T, not RSA", cert.PublicKey)
	}
	hashed := sha1.Sum([]byte(excC14N(info, nil)))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, hashed[:], value); err != nil {
		return fmt.Errorf("SignedInfo signature: %w", err)
	}
	return nil
}

func child(e *etree.Element, tag string) *etree.Element {
	if e == nil {
		return nil
	}
	for _, c := range e.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == nsDSig {
			return c
		}
	}
	return nil
}

func algorithm(e *etree.Element) string {
	if e == nil {
		return ""
	}
	return e.SelectAttrValue("Algorithm", "")
}

func decodeBase64(e *etree.Element) ([]byte, error) {
	if e == nil {
		return nil, errors.New("missing")
	}
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(e.Text()), ""))
}

// excC14N is the exclusive canonical form (without comments) of the subtree
// of e, leaving out the element skip (the enveloped signature).
func excC14N(e, skip *etree.Element) string {
	var b strings.Builder
	writeC14N(&b, e, skip, map[string]string{})
	return b.String()
}

func writeC14N(b *strings.Builder, e, skip *etree.Element, rendered map[string]string) {
	// Namespaces visibly used by the element and its attributes, declared
	// unless an output ancestor already declared them the same way.
	used := map[string]string{e.Space: e.NamespaceURI()}
	type attr struct{ uri, key, full, value string }
	var attrs []attr
	for i := range e.Attr {
		a := &e.Attr[i]
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		if a.Space != "" && a.Space != "xml" {
			used[a.Space] = a.NamespaceURI()
		}
		attrs = append(attrs, attr{a.NamespaceURI(), a.Key, a.FullKey(), a.Value})
	}
	scope := maps.Clone(rendered)
	var decls []string
	for prefix, uri := range used {
		if prev, ok := rendered[prefix]; ok && prev == uri {
			continue
		}
		if prefix == "" && uri == "" {
			if _, ok := rendered[""]; !ok {
				continue // the empty default namespace needs no declaration
			}
		}
		scope[prefix] = uri
		decls = append(decls, prefix)
	}
	slices.Sort(decls) // the default namespace ("") sorts first
	slices.SortFunc(attrs, func(x, y attr) int {
		if c := strings.Compare(x.uri, y.uri); c != 0 {
			return c
		}
		return strings.Compare(x.key, y.key)
	})

	b.WriteString("<" + e.FullTag())
	for _, p := range decls {
		if p == "" {
			b.WriteString(` xmlns="` + escapeAttr(scope[p]) + `"`)
		} else {
			b.WriteString(` xmlns:` + p + `="` + escapeAttr(scope[p]) + `"`)
		}
	}
	for _, a := range attrs {
		b.WriteString(" " + a.full + `="` + escapeAttr(a.value) + `"`)
	}
	b.WriteString(">")
	for _, tok := range e.Child {
		switch c := tok.(type) {
		case *etree.Element:
			if c != skip {
				writeC14N(b, c, skip, scope)
			}
		case *etree.CharData:
			b.WriteString(escapeText(c.Data))
		}
	}
	b.WriteString("</" + e.FullTag() + ">")
}

func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;").Replace(s)
}

func escapeAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", "\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;").Replace(s)
}
