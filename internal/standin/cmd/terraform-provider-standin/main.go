// Command terraform-provider-standin serves package standin over the plugin
// protocol. scripts/tools.sh copies it into the offline mirror as
// hashicorp/null, hashicorp/random and hashicorp/local.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/plumbhq/plumb/internal/standin"
)

func main() {
	// The address only labels logs: Terraform does not check it, which is what
	// lets one binary stand in under several addresses.
	err := providerserver.Serve(context.Background(), standin.New, providerserver.ServeOpts{
		Address: "registry.terraform.io/hashicorp/standin",
	})
	if err != nil {
		log.Fatal(err)
	}
}
