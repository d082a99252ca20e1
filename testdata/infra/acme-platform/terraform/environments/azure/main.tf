terraform {
  backend "azurerm" {
    resource_group_name  = "rg-terraform"
    storage_account_name = "acmetfstate"
    container_name       = "tfstate"
    key                  = "azure/platform.tfstate"
    sas_token            = "sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2026-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo%3D"
  }
}

provider "azurerm" {
  features {}
  subscription_id = "8f3d2c1b-5a4e-4f6d-9c8b-7a6e5d4c3b2a"
  tenant_id       = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  client_id       = "4b5c6d7e-8f90-4a1b-8c2d-3e4f5a6b7c8d"
  client_secret   = "dmCSmGey6bZtyj6mgOvY9i-ZuK2-F7UVG6~CYxvK"
}

provider "azuread" {
  tenant_id     = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  client_id     = "4b5c6d7e-8f90-4a1b-8c2d-3e4f5a6b7c8d"
  client_secret = var.azuread_client_secret
}

resource "azuread_application" "deployer" {
  display_name = "acme-deployer"
}

resource "azuread_service_principal" "deployer" {
  client_id = azuread_application.deployer.client_id
}

resource "azuread_application_password" "deployer" {
  application_id = azuread_application.deployer.id
  display_name   = "ci"
  end_date       = "2026-06-30T00:00:00Z"
}

resource "azuread_service_principal_password" "deployer" {
  service_principal_id = azuread_service_principal.deployer.id
}

resource "azurerm_key_vault_secret" "smtp" {
  name         = "smtp-password"
  value        = "8^yKhxyGCNpeH_CrzI"
  key_vault_id = azurerm_key_vault.main.id
}

resource "azurerm_key_vault_secret" "sp" {
  name         = "deployer-sp-secret"
  value        = azuread_service_principal_password.deployer.value
  key_vault_id = azurerm_key_vault.main.id
}

variable "azuread_client_secret" {
  type      = string
  sensitive = true
}
