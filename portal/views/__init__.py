"""The portal's pages: accounts, the focal point's, the Secretariat's."""
