package payment

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// SandboxKeys are a sandbox's credentials as PEM, so that a demo can keep
// them across restarts: (*Sandbox).Keys returns them and
// SandboxOptions.Keys loads them.
type SandboxKeys struct {
	MerchantKeyPEM  []byte // the merchant's RSA private key (PKCS #8 or PKCS #1)
	MerchantCertPEM []byte // the merchant API certificate; its serial is the merchant serial
	PlatformKeyPEM  []byte // the platform's RSA private key, which signs answers and notifications
	PlatformCertPEM []byte // the platform certificate the merchant verifies with
	APIv3Key        []byte // 32 bytes, encrypts notification resources
}

// GenerateSandboxKeys makes fresh credentials: two RSA-2048 keys with
// self-signed certificates (valid 2000–2100, so that any injected clock
// works) and a 32-character APIv3 key.
func GenerateSandboxKeys() (SandboxKeys, error) {
	var k SandboxKeys
	var err error
	if k.MerchantKeyPEM, k.MerchantCertPEM, err = generateKeyCert("kaowu sandbox merchant"); err != nil {
		return SandboxKeys{}, err
	}
	if k.PlatformKeyPEM, k.PlatformCertPEM, err = generateKeyCert("Tenpay sandbox platform"); err != nil {
		return SandboxKeys{}, err
	}
	k.APIv3Key = []byte(randomString(32))
	return k, nil
}

func generateKeyCert(cn string) (keyPEM, certPEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("payment sandbox: generating key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 159))
	if err != nil {
		return nil, nil, fmt.Errorf("payment sandbox: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"kaowu payment sandbox"}, Country: []string{"CN"}},
		NotBefore:    time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("payment sandbox: certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("payment sandbox: key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// ParsePrivateKeyPEM reads an RSA private key in PEM (PKCS #8 "PRIVATE
// KEY", as WeChat Pay's apiclient_key.pem, or PKCS #1 "RSA PRIVATE KEY").
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("payment: no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("payment: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("payment: %T is not an RSA key", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("payment: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("payment: PEM block %q is not a private key", block.Type)
}

// ParseCertificatePEM reads a certificate in PEM (such as a WeChat Pay
// platform certificate) with an RSA public key.
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("payment: no CERTIFICATE PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("payment: %w", err)
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("payment: certificate %s has no RSA key", CertSerial(cert))
	}
	return cert, nil
}

// keyPair parses a key and its certificate and checks they match.
func keyPair(name string, keyPEM, certPEM []byte) (*rsa.PrivateKey, *x509.Certificate, error) {
	key, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("payment sandbox: %s key: %w", name, err)
	}
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("payment sandbox: %s certificate: %w", name, err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("payment sandbox: %s certificate is not for its key", name)
	}
	return key, cert, nil
}
