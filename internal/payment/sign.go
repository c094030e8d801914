package payment

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authScheme is the Authorization scheme of merchant requests and the
// Wechatpay-Signature-Type of the provider's signatures.
const authScheme = "WECHATPAY2-SHA256-RSA2048"

// Headers of the provider's signed answers and notifications.
const (
	hdrTimestamp = "Wechatpay-Timestamp"
	hdrNonce     = "Wechatpay-Nonce"
	hdrSignature = "Wechatpay-Signature"
	hdrSerial    = "Wechatpay-Serial"
	hdrSigType   = "Wechatpay-Signature-Type"
)

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomString returns n random characters of [0-9A-Za-z] (nonces, ids).
func randomString(n int) string {
	return randomFrom(alnum, n)
}

// randomDigits returns n random decimal digits.
func randomDigits(n int) string {
	return randomFrom(alnum[:10], n)
}

func randomFrom(chars string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)] // slight bias is harmless for nonces
	}
	return string(b)
}

// requestMessage is what a merchant signs:
// METHOD\nURL_PATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n.
func requestMessage(method, pathQuery, timestamp, nonce string, body []byte) []byte {
	var b strings.Builder
	b.Grow(len(method) + len(pathQuery) + len(timestamp) + len(nonce) + len(body) + 5)
	for _, s := range []string{method, pathQuery, timestamp, nonce} {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	b.Write(body)
	b.WriteByte('\n')
	return []byte(b.String())
}

// responseMessage is what the provider signs: TIMESTAMP\nNONCE\nBODY\n.
func responseMessage(timestamp, nonce string, body []byte) []byte {
	msg := make([]byte, 0, len(timestamp)+len(nonce)+len(body)+3)
	msg = append(msg, timestamp...)
	msg = append(msg, '\n')
	msg = append(msg, nonce...)
	msg = append(msg, '\n')
	msg = append(msg, body...)
	return append(msg, '\n')
}

// sign returns base64(RSASSA-PKCS1-v1_5(SHA-256(msg))).
func sign(key *rsa.PrivateKey, msg []byte) (string, error) {
	sum := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// verify checks a base64 signature made by sign.
func verify(pub *rsa.PublicKey, msg []byte, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrSignature)
	}
	sum := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return nil
}

// authorization builds a merchant request's Authorization header value.
func authorization(mchID, nonce, signature, timestamp, serial string) string {
	return fmt.Sprintf(`%s mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"`,
		authScheme, mchID, nonce, signature, timestamp, serial)
}

// parseAuthorization splits an Authorization header value into its
// key="value" parameters; it refuses another scheme.
func parseAuthorization(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, authScheme+" ")
	if !ok {
		return nil, fmt.Errorf("认证类型不是 %s", authScheme)
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, fmt.Errorf("Authorization 参数格式错误：%q", part)
		}
		params[k] = v[1 : len(v)-1]
	}
	for _, k := range []string{"mchid", "nonce_str", "signature", "timestamp", "serial_no"} {
		if params[k] == "" {
			return nil, fmt.Errorf("Authorization 缺少 %s", k)
		}
	}
	return params, nil
}

// signedHeaders are the signature headers of a provider answer or
// notification.
type signedHeaders struct {
	timestamp, nonce, signature, serial string
}

// set writes them into h.
func (s signedHeaders) set(h http.Header) {
	h.Set(hdrTimestamp, s.timestamp)
	h.Set(hdrNonce, s.nonce)
	h.Set(hdrSignature, s.signature)
	h.Set(hdrSerial, s.serial)
	h.Set(hdrSigType, authScheme)
}

// hasSignature tells whether h carries any of the provider's signature
// headers.
func hasSignature(h http.Header) bool {
	return h.Get(hdrSignature) != "" || h.Get(hdrSerial) != "" || h.Get(hdrTimestamp) != ""
}

// verifySigned checks the provider's signature over body, as published:
// the certificate is the one named by Wechatpay-Serial; the timestamp must
// be within MaxClockSkew of now. It returns the nonce and the timestamp.
func (c *Client) verifySigned(h http.Header, body []byte) (nonce string, at time.Time, err error) {
	ts, nonce, sig, serial := h.Get(hdrTimestamp), h.Get(hdrNonce), h.Get(hdrSignature), h.Get(hdrSerial)
	if ts == "" || nonce == "" || sig == "" || serial == "" {
		return "", time.Time{}, fmt.Errorf("%w: missing Wechatpay-Timestamp, -Nonce, -Signature or -Serial", ErrSignature)
	}
	if t := h.Get(hdrSigType); t != "" && t != authScheme {
		return "", time.Time{}, fmt.Errorf("%w: signature type %q", ErrSignature, t)
	}
	cert, ok := c.platform[strings.ToUpper(serial)]
	if !ok {
		return "", time.Time{}, fmt.Errorf("%w (%w): %q", ErrUnknownSerial, ErrSignature, serial)
	}
	if err := verify(cert.PublicKey.(*rsa.PublicKey), responseMessage(ts, nonce, body), sig); err != nil {
		return "", time.Time{}, err
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: Wechatpay-Timestamp %q", ErrMalformed, ts)
	}
	at = time.Unix(secs, 0)
	now := c.now()
	if d := now.Sub(at); d > MaxClockSkew || d < -MaxClockSkew {
		return "", time.Time{}, fmt.Errorf("%w: signed at %s, now %s", ErrStale, at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return "", time.Time{}, fmt.Errorf("%w: platform certificate %s is not valid now", ErrSignature, serial)
	}
	return nonce, at, nil
}
