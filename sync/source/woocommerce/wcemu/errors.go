package wcemu

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The error bodies below are byte for byte those of a real WooCommerce 8.9.1
// (shared/fixtures/woocommerce/real-8.9.1/error_*.json) where one was
// captured, and otherwise follow WooCommerce's source.
const (
	bodyPerPageOutOfBounds = `{"code":"rest_invalid_param","message":"Invalid parameter(s): per_page","data":{"status":400,"params":{"per_page":"per_page must be between 1 (inclusive) and 100 (inclusive)"},"details":{"per_page":{"code":"rest_out_of_bounds","message":"per_page must be between 1 (inclusive) and 100 (inclusive)","data":null}}}}`
	bodyCannotList         = `{"code":"woocommerce_rest_cannot_view","message":"Sorry, you cannot list resources.","data":{"status":401}}`
	bodyCannotView         = `{"code":"woocommerce_rest_cannot_view","message":"Sorry, you cannot view this resource.","data":{"status":401}}`
	bodyCannotCreate       = `{"code":"woocommerce_rest_cannot_create","message":"Sorry, you are not allowed to create resources.","data":{"status":401}}`
	bodyCannotEdit         = `{"code":"woocommerce_rest_cannot_edit","message":"Sorry, you are not allowed to edit this resource.","data":{"status":401}}`
	bodyCannotDelete       = `{"code":"woocommerce_rest_cannot_delete","message":"Sorry, you are not allowed to delete this resource.","data":{"status":401}}`
	bodyOrderInvalidID     = `{"code":"woocommerce_rest_shop_order_invalid_id","message":"Invalid ID.","data":{"status":404}}`
	bodyInvalidOrderID     = `{"code":"woocommerce_rest_invalid_order_id","message":"Invalid order ID.","data":{"status":404}}`
	bodyWebhookInvalidID   = `{"code":"woocommerce_rest_webhook_invalid_id","message":"Invalid ID.","data":{"status":404}}`
	bodyNoRoute            = `{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}`
	bodyTrashNotSupported  = `{"code":"woocommerce_rest_trash_not_supported","message":"Webhooks do not support trashing.","data":{"status":501}}`
	bodyInvalidTopic       = `{"code":"woocommerce_rest_webhook_invalid_topic","message":"Webhook topic is required and must be valid.","data":{"status":400}}`
	bodyInvalidDelivery    = `{"code":"woocommerce_rest_webhook_invalid_delivery_url","message":"Webhook delivery URL must be a valid URL starting with http:\/\/ or https:\/\/.","data":{"status":400}}`
	bodyInvalidJSON        = `{"code":"rest_invalid_json","message":"Invalid JSON body passed.","data":{"status":400,"json_error_code":4,"json_error_message":"Syntax error"}}`

	// htmlNotFound is what a WordPress site without the REST API (or any
	// web server that is not WordPress) answers for an unknown path.
	htmlNotFound = "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head><meta charset=\"UTF-8\"><title>Page not found &#8211; Shop</title></head>\n<body class=\"error404\"><h1 class=\"page-title\">Oops! That page can&rsquo;t be found.</h1></body>\n</html>\n"
	// htmlMaintenance is WordPress's maintenance page (served with 503).
	htmlMaintenance = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Maintenance</title></head><body><h1>Briefly unavailable for scheduled maintenance. Check back in a minute.</h1></body></html>\n"
)

// authError is WooCommerce's woocommerce_rest_authentication_error body.
func authError(msg string) string {
	return `{"code":"woocommerce_rest_authentication_error","message":` + phpString(msg) + `,"data":{"status":401}}`
}

// invalidParam builds rest_invalid_param for one parameter, as WordPress
// writes it.
func invalidParam(param, code, msg string) string {
	return fmt.Sprintf(`{"code":"rest_invalid_param","message":"Invalid parameter(s): %s","data":{"status":400,"params":{%q:%s},"details":{%q:{"code":%q,"message":%s,"data":null}}}}`,
		param, param, phpString(msg), param, code, phpString(msg))
}

// statusEnumError is the real error_400_status_not_in_enum body for the
// given enum and the index of the offending value.
func statusEnumError(i int, enum []string) string {
	list := strings.Join(enum[:len(enum)-1], ", ") + ", and " + enum[len(enum)-1]
	msg := "status[" + strconv.Itoa(i) + "] is not one of " + list + "."
	return invalidParam("status", "rest_not_in_enum", msg)
}

func phpString(s string) string {
	b, _ := EncodePHP(s)
	return string(b)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
