package payment_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"kaowu/internal/payment"
)

// A server mounts the sandbox under /sandbox/wxpay/, builds its client from
// the sandbox's merchant config, and handles notifications at its
// notify_url: 204 when handled, 400 when refused (logged by kind), 500 when
// it could not tell (the provider retries).
func Example() {
	ctx := context.Background()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()

	sb, err := payment.NewSandbox(payment.SandboxOptions{PublicURL: srv.URL + "/sandbox/wxpay"})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("/sandbox/wxpay/", http.StripPrefix("/sandbox/wxpay", sb.Handler()))
	client, err := payment.NewClient(sb.MerchantConfig(srv.URL + "/sandbox/wxpay"))
	if err != nil {
		log.Fatal(err)
	}

	var nonces payment.MemoryNonces // kaowu: a NonceStore in its database
	paid := make(chan payment.Transaction, 1)
	mux.HandleFunc("POST /notify/wxpay", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, payment.MaxNotificationSize+1))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		n, err := client.ParseNotification(r.Context(), r.Header, body, &nonces)
		switch {
		case errors.Is(err, payment.ErrSignature), errors.Is(err, payment.ErrStale), errors.Is(err, payment.ErrReplay),
			errors.Is(err, payment.ErrMalformed), errors.Is(err, payment.ErrDecrypt):
			log.Printf("notification refused: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		case err != nil:
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if n.Transaction != nil { // idempotent: the same notification may come again
			paid <- *n.Transaction
		}
		w.WriteHeader(http.StatusNoContent)
	})

	order, err := client.Create(ctx, payment.CreateRequest{
		OutTradeNo:  "KW2025000001",
		Description: "卫生专业技术资格考试报名费（1科）",
		NotifyURL:   srv.URL + "/notify/wxpay",
		AmountFen:   5000,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("payer page under the prefix:", len(order.CodeURL) > len(srv.URL+"/sandbox/wxpay/pay/"))

	if err := sb.Pay("KW2025000001"); err != nil { // or the payer presses 确认支付
		log.Fatal(err)
	}
	delivered, failed := sb.DeliverPending(ctx) // a server runs sb.Run(ctx) instead
	tx := <-paid
	fmt.Println(delivered, failed, tx.OutTradeNo, tx.State, tx.PayerTotalFen)

	q, err := client.Query(ctx, "KW2025000001")
	fmt.Println(q.State, q.TransactionID == tx.TransactionID, err)
	// Output:
	// payer page under the prefix: true
	// 1 0 KW2025000001 SUCCESS 5000
	// SUCCESS true <nil>
}
