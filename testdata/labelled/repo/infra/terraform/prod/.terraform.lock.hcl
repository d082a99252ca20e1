# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.58.0"
  constraints = "~> 5.5"
  hashes = [
    "h1:YYEOEfsl8VeUnEe+oz6V+xDEfUpvsye6OqTa5rzWBFQ=",
    "h1:FvKce9T91CI/yT3St8LkXY+jw1OMuFJqAaiNbjk7w74=",
    "zh:cc5573ad8155a2a1ff7e456c4bcca464a17271a674b2730cd17d76354f5da9f6",
    "zh:69c8b6ac90f0ccbc82ad455dec8696b1ef396d4449274a8601fb5ba769c36896",
    "zh:75a49fe59e146337d854702562d9f6989e33f398ada1192307ccd654fd82f818",
    "zh:02d2e6b80846010642568cc693bdf350c4681a43e178097eb318cbede75dc2f5",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version     = "3.6.2"
  constraints = "~> 3.6"
  hashes = [
    "h1:B3s7I+v7hR/kY7iVdUdpzgpon1IA2TK58jnvp9gvPfU=",
    "h1:W7aLd7UPfbRvwMxRYCsh5cMbI/9sCOxO5YnTaXfb2ZA=",
    "zh:98bdc3bccabf9a6ab25880b9821a952ebce309960ce22dc490e18e2a75b803fc",
    "zh:b7caccb4a8bc180e17a45bfec38685b58727e5a7ab966fac1fd3309fdbd6ec08",
    "zh:6b4b063f1dc974576d214c4df1c46c9beeb02d162f6ec496450834ae14bee0cb",
    "zh:ff8ebf83d1c4475fde5adf171303b7390d4da7359afc0f21f3587d1e6b8c19e1",
  ]
}
