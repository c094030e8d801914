// Package payment takes exam fees through a provider that speaks WeChat
// Pay APIv3 (微信支付 APIv3), Native payment: the merchant places an order
// and shows its code_url as a QR code, the payer pays in WeChat, and the
// provider notifies the merchant. Amounts are int64 fen.
//
// # The protocol
//
// Merchant requests (Client) go to
//
//	POST /v3/pay/transactions/native                        place an order → {"code_url"}
//	GET  /v3/pay/transactions/out-trade-no/{no}?mchid=…     query it → trade_state, transaction_id, amount, payer, …
//	POST /v3/pay/transactions/out-trade-no/{no}/close       close it → 204
//	POST /v3/refund/domestic/refunds                        refund → refund_id, status, amount
//	GET  /v3/refund/domestic/refunds/{out_refund_no}        query a refund
//
// and carry
//
//	Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"
//
// where signature is base64 of RSASSA-PKCS1-v1_5/SHA-256, with the merchant's
// private key, over "METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n" (the
// path relative to Config.BaseURL). serial_no names the merchant
// certificate. The provider refuses a bad signature with 401
// {"code":"SIGN_ERROR"} and, as WeChat Pay does, does not sign that answer.
//
// The provider's answers and its notifications carry Wechatpay-Timestamp,
// Wechatpay-Nonce, Wechatpay-Signature and Wechatpay-Serial; the signature
// is base64 RSA-SHA256 with the platform key over
// "TIMESTAMP\nNONCE\nBODY\n". Errors are 4xx/5xx with {"code","message"},
// returned as *ProviderError.
//
// A notification is a POST to the order's notify_url:
//
//	{"id","create_time","event_type":"TRANSACTION.SUCCESS"|"REFUND.SUCCESS"|…,
//	 "resource_type":"encrypt-resource","summary",
//	 "resource":{"algorithm":"AEAD_AES_256_GCM","ciphertext","associated_data","nonce","original_type"}}
//
// whose resource decrypts with the merchant's 32-byte APIv3 key (the
// 12-byte nonce and associated_data as given, the 16-byte tag at the end of
// the base64 ciphertext) into the transaction or refund JSON. The merchant
// answers 200 or 204; anything else, or no answer within 5 s, makes the
// provider retry after 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h.
// The same notification may arrive several times and out of order.
//
// # WeChat Pay rules implemented
//
// Client signs every request and verifies every 2xx answer: signature
// against the configured platform certificate whose serial (upper-case hex)
// is Wechatpay-Serial, timestamp within MaxClockSkew (5 minutes) either
// way, certificate within its validity. A non-2xx answer is a
// *ProviderError, marked Verified only when its signature verifies; only a
// verified 404 is ErrNotFound. Orders and refunds are checked before
// sending (out_trade_no 6–32 of [0-9A-Za-z_-|*], description ≤ 127
// bytes, attach ≤ 128 bytes, notify_url absolute without query,
// refund ≤ total), and answers must be about the order asked for.
//
// ParseNotification verifies in the published order (signature with the
// certificate named by Wechatpay-Serial; timestamp within 5 minutes; the
// envelope; the AEAD_AES_256_GCM resource, which must belong to this
// merchant; the nonce, which a NonceStore shared by all nodes must not have
// seen). Each refusal wraps a distinct sentinel: ErrSignature,
// ErrUnknownSerial, ErrStale, ErrMalformed, ErrDecrypt, ErrReplay.
// Replay protection by nonce refuses a captured request sent again; it
// does not make WeChat's own retries and duplicates (fresh nonces, same
// id) go away, so handling must be idempotent.
//
// Not implemented: downloading platform certificates (/v3/certificates)
// and WeChat's newer platform public key mode (PUB_KEY_ID_… serials), the
// other payment kinds (JSAPI, H5, App), bills, and sensitive-field
// encryption (Wechatpay-Serial on requests).
//
// # Sandbox
//
// Sandbox plays the provider over real HTTP for tests and demonstrations:
// the same endpoints, signatures and encrypted notifications, keys it
// generates (or loads from PEM), a payer page in Chinese behind each
// code_url (确认支付 / 模拟支付失败, then back to a "return" URL), a ledger
// for reconciliation, refund checks (refund ≤ paid − refunded, total =
// order amount, out_refund_no idempotent), one payment per order, closing
// at time_expire (two hours when absent), and notification delivery with
// retries, duplicates and shuffling. Its clock is injected: tests call
// DeliverPending after moving the clock instead of sleeping; a server
// calls Run. Anyone holding a payer page link can pay it: mount the
// sandbox for tests, demonstrations and training, never in production.
package payment
