// Command solsec is the Pulumi program of the solsec platform: one stack per
// environment, spanning every configured region. All composition lives in
// package stacks so that tests and the offline planner run the same code.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/stacks"
)

func main() {
	pulumi.Run(stacks.Deploy)
}
